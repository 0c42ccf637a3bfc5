package main

import (
	"fmt"
	"strings"
)

// Modes of issuing a pass: this provider's two, and the generic peers'.
const (
	// modeHandover is the documented pattern for a pass that must never be stored: the managed pass with
	// delivery = { ephemeral = true }, the ephemeral hand-over, and a write-only consumer (the
	// azurerm_key_vault_secret stand-in) whose version follows the pass.
	modeHandover = "handover"
	// modeHandoverModule is the hand-over with the three resources in a module instantiated once per user: every
	// reference inside is to a single instance, which Terraform evaluates without building the whole resource.
	modeHandoverModule = "handover-module"
	// modeState is the managed pass kept in the state (no delivery).
	modeState = "state"
	// modeRestful is magodo/terraform-provider-restful's restful_operation POSTing the pass.
	modeRestful = "restful"
	// modeMSGraph is microsoft/terraform-provider-msgraph's msgraph_resource_action POSTing the pass.
	modeMSGraph = "msgraph"
)

// instancesPerPass is how many resource instances Terraform handles for one pass.
func instancesPerPass(mode string) int {
	if mode == modeHandover || mode == modeHandoverModule {
		return 3 // the managed pass, the ephemeral hand-over, the consumer
	}
	return 1
}

const providerSource = "registry.terraform.io/entra-tap/entra"

// configFor writes the configuration of one scenario. Passes use for_each over the users' object ids, as
// users write it (the request budget tests use count only because terraform-plugin-testing's state shim cannot
// hold for_each instances).
func configFor(mode string, env benchEnv, tenantID string, ids []string) string {
	var b strings.Builder
	users := func() {
		b.WriteString("locals {\n  users = toset([\n")
		for _, id := range ids {
			fmt.Fprintf(&b, "    %q,\n", id)
		}
		b.WriteString("  ])\n}\n\n")
	}
	switch mode {
	case modeHandover, modeHandoverModule, modeState:
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    entra = { source = %q }\n", providerSource)
		if mode != modeState {
			fmt.Fprintf(&b, "    azurerm = { source = %q }\n", "registry.terraform.io/"+consumerNamespace+"/azurerm")
		}
		fmt.Fprintf(&b, "  }\n}\n\nprovider \"entra\" {\n  tenant_id = %q\n}\n\n", tenantID)
		if len(ids) == 0 {
			b.WriteString(policyOnly)
			return b.String()
		}
		users()
		if mode == modeHandoverModule {
			b.WriteString(`module "hire" {
  source   = "./hire"
  for_each = local.users
  user_id  = each.value
}
`)
			return b.String()
		}
		if mode == modeState {
			b.WriteString(`resource "entra_temporary_access_pass" "hire" {
  for_each            = local.users
  user_id             = each.value
  lifetime_in_minutes = 60
}
`)
			return b.String()
		}
		b.WriteString(`resource "entra_temporary_access_pass" "hire" {
  for_each            = local.users
  user_id             = each.value
  lifetime_in_minutes = 60
  delivery            = { ephemeral = true }
}

ephemeral "entra_temporary_access_pass" "hire" {
  for_each = local.users
  pass_id  = entra_temporary_access_pass.hire[each.key].id
  applying = terraform.applying
}

resource "azurerm_key_vault_secret" "hire" {
  for_each         = local.users
  name             = "tap-${each.key}"
  key_vault_id     = "/vaults/kv-bench"
  value_wo         = ephemeral.entra_temporary_access_pass.hire[each.key].temporary_access_pass
  value_wo_version = entra_temporary_access_pass.hire[each.key].version
}
`)
	case modeRestful:
		fmt.Fprintf(&b, `terraform {
  required_providers {
    restful = { source = %q }
  }
}

provider "restful" {
  base_url = "%s/v1.0"
  security = {
    oauth2 = {
      client_credentials = {
        client_id     = %q
        client_secret = %q
        token_url     = "%s/%s/oauth2/v2.0/token"
        scopes        = ["%s/.default"]
      }
    }
  }
}

`, peerSource(modeRestful), env.emulatorURL, env.clientID, env.clientSecret, env.emulatorURL, tenantID, env.emulatorURL)
		users()
		b.WriteString(`resource "restful_operation" "tap" {
  for_each             = local.users
  path                 = "/users/${each.value}/authentication/temporaryAccessPassMethods"
  method               = "POST"
  body                 = { lifetimeInMinutes = 60 }
  use_sensitive_output = true
}
`)
	case modeMSGraph:
		fmt.Fprintf(&b, "terraform {\n  required_providers {\n    msgraph = { source = %q }\n  }\n}\n\nprovider \"msgraph\" {\n  tenant_id = %q\n}\n\n",
			peerSource(modeMSGraph), tenantID)
		users()
		b.WriteString(`resource "msgraph_resource_action" "tap" {
  for_each     = local.users
  resource_url = "users/${each.value}/authentication/temporaryAccessPassMethods"
  method       = "POST"
  body         = { lifetimeInMinutes = 60 }
}
`)
	}
	return b.String()
}

const policyOnly = `resource "entra_temporary_access_pass_policy" "this" {
  enabled                     = true
  minimum_lifetime_in_minutes = 10
  default_lifetime_in_minutes = 60
  maximum_lifetime_in_minutes = 480
  include_targets             = [{ id = "all_users", target_type = "group" }]
}
`

func peerSource(mode string) string { return "registry.terraform.io/bench/" + mode }

// handoverModule is the module of modeHandoverModule, in ./hire.
const handoverModule = `terraform {
  required_providers {
    entra   = { source = "registry.terraform.io/entra-tap/entra" }
    azurerm = { source = "registry.terraform.io/entra-tap/azurerm" }
  }
}

variable "user_id" {
  type = string
}

resource "entra_temporary_access_pass" "this" {
  user_id             = var.user_id
  lifetime_in_minutes = 60
  delivery            = { ephemeral = true }
}

ephemeral "entra_temporary_access_pass" "this" {
  pass_id  = entra_temporary_access_pass.this.id
  applying = terraform.applying
}

resource "azurerm_key_vault_secret" "this" {
  name             = "tap-${var.user_id}"
  key_vault_id     = "/vaults/kv-bench"
  value_wo         = ephemeral.entra_temporary_access_pass.this.temporary_access_pass
  value_wo_version = entra_temporary_access_pass.this.version
}
`
