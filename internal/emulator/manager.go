package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// The manager navigation property of a user (Graph v1.0 "List manager", "Assign manager", "Remove manager").
// A user has at most one manager, a user of the same tenant. A user without one answers 404
// Request_ResourceNotFound with the resource named 'manager', as real Graph does.

// managerNotFound is Graph's answer for a user without a manager.
func managerNotFound() reply {
	return resourceNotFound(svcDirectory, "Request_ResourceNotFound", "manager")
}

// getManager is GET /users/{id|upn}/manager: the manager as a directoryObject (a user, with @odata.type).
func (c *call) getManager() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	m := c.s.managerOf(u)
	if m == nil {
		return managerNotFound()
	}
	sel, rep := c.selection(userPropertyNames, "user")
	if rep != nil {
		return *rep
	}
	if sel == nil {
		sel = userDefaultSelect
	}
	body := project(m.properties(), sel)
	body["@odata.type"] = "#microsoft.graph.user"
	body["@odata.context"] = c.e.url + "/v1.0/$metadata#directoryObjects/$entity"
	return jsonReply(http.StatusOK, body)
}

// getManagerRef is GET /users/{id}/manager/$ref: the manager's reference only.
func (c *call) getManagerRef() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	m := c.s.managerOf(u)
	if m == nil {
		return managerNotFound()
	}
	return jsonReply(http.StatusOK, map[string]any{
		"@odata.context": c.e.url + "/v1.0/$metadata#directoryObjects/$ref",
		"@odata.id":      c.e.url + "/v1.0/directoryObjects/" + m.id + "/Microsoft.DirectoryServices.User",
	})
}

// setManager is PUT /users/{id}/manager/$ref with {"@odata.id": ".../users/{id}"} (or .../directoryObjects/{id}):
// 204, replacing any previous manager.
func (c *call) setManager() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	o, err := parseObject(c.body)
	if err != nil {
		return badRequest(svcDirectory, invalidJSONMessage)
	}
	var ref string
	if _, err := o.decode("@odata.id", &ref); err != nil || ref == "" {
		return badRequest(svcDirectory, "Invalid object identifier ''.")
	}
	id := ref
	if p, err := url.Parse(ref); err == nil && p.Path != "" {
		id = p.Path
	}
	id = strings.TrimSuffix(id, "/")
	id = id[strings.LastIndex(id, "/")+1:]
	if !isGUID(id) {
		return badRequest(svcDirectory, fmt.Sprintf("Invalid object identifier '%s'.", id))
	}
	m := c.s.users[strings.ToLower(id)]
	if m == nil || c.lagging(m.created) {
		if g := c.s.groups[strings.ToLower(id)]; g != nil {
			return badRequest(svcDirectory, "A manager must be a user or an organizational contact.")
		}
		return resourceNotFound(svcDirectory, "Request_ResourceNotFound", id)
	}
	if m.id == u.id {
		return badRequest(svcDirectory, "A user cannot be their own manager.")
	}
	c.s.delivery.managers[u.id] = m.id
	return noContent()
}

// deleteManager is DELETE /users/{id}/manager/$ref: 204; with no manager set, 404 (deleteMissingManager).
func (c *call) deleteManager() reply {
	u, rep := c.addressUser(c.params[0])
	if rep != nil {
		return *rep
	}
	if c.s.managerOf(u) == nil {
		if c.s.settings.DeleteMissingManager == "noContent" {
			return noContent()
		}
		return managerNotFound()
	}
	delete(c.s.delivery.managers, u.id)
	return noContent()
}
