package provider

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
	"github.com/entra-tap/terraform-provider-entra/internal/issuance"
)

// runNotes carry, on this machine's disk, what one provider process read for the next one to reuse, so that
// Terraform's successive provider processes do not read Graph twice for the same answer. They hold no secret:
// tenant, user and pass ids, user principal names, the user properties the checks read, group memberships.
//
// Users checked while planning, for the apply-time re-plan of the same run. `terraform apply` plans in one
// provider process and applies in another, and Terraform plans every resource again while applying (the final
// plan must keep every value the first plan knew; the provider is not given that plan). The re-plan of a new pass
// takes the user its plan resolved from the notes, instead of a read on the pass's critical path. What the
// re-plan does not re-check, and why:
//
//   - the user's object id and principal name: they must be the plan's (Terraform refuses a final plan that
//     changes a value the plan knew), and the notes are exactly the plan's, where a read would turn a rename
//     between plan and apply into "Provider produced inconsistent final plan";
//   - the user's properties (an external guest, a disabled account) and group memberships: Graph enforces what
//     matters at the creation itself (it refuses a guest; a user outside the policy's targets is refused, or gets
//     a DisabledByPolicy pass that the engine revokes, removing nothing), and a disabled account is only a warning.
//     Reading them again would put a round trip on every pass's critical path to improve an error message in a
//     race.
//
// The policy is still checked again (it is read once per process), and so are the claims (one pass per user),
// in memory. Notes are used only by a later process of the same CLI run (the CLI process, by pid and start time,
// is the provider's parent; another command, a saved plan applied later or elsewhere, reads Graph) and only when
// the process that wrote them has ended.
//
// Passes read or issued, for the next run's refresh. Terraform refreshes each managed pass with its own Read,
// at most -parallelism at once; the first Read of a process reads, in $batch envelopes of 20, every pass the
// previous run in this working directory read or issued, and the Reads of those passes take their answers from
// it. The answers are this refresh's, read from Graph; the notes only say which passes to read. On a machine
// without notes (a fresh CI runner) the Reads are coalesced as they come (userBatcher).
type runNotes struct {
	dir     string
	tenant  string
	run     string // the CLI process: pid and start time
	workdir string // hash of the working directory
	pid     int

	once   sync.Once
	users  map[string]graph.User         // by lower-case reference
	member map[memberKey]map[string]bool // by user and group set

	mu        sync.Mutex
	runFile   *os.File
	passFile  *os.File
	passSeen  map[graph.PassRef]bool
	openFails bool
}

// noteLine is one line of a run's notes.
type noteLine struct {
	PID    int         `json:"pid"`
	Ref    string      `json:"ref,omitempty"`
	User   *graph.User `json:"user,omitempty"`
	Member *struct {
		User   string   `json:"user"`
		Groups string   `json:"groups"`
		In     []string `json:"in"`
	} `json:"member,omitempty"`
	// Pass notes: user and pass ids.
	U string `json:"u,omitempty"`
	P string `json:"p,omitempty"`
}

const (
	runNotesRetention  = 24 * time.Hour      // a run's notes are read by the same run
	passNotesRetention = 31 * 24 * time.Hour // a pass lives 30 days at most
)

// openRunNotes returns the notes of this process, or nil when they cannot be kept (no parent CLI to name the run
// by, no cache directory).
func openRunNotes(tenantID string) *runNotes {
	run, ok := cliRun()
	if !ok || tenantID == "" {
		return nil
	}
	dir := os.Getenv(issuance.JournalDirEnv)
	if dir != "" {
		dir = filepath.Join(dir, "runs")
	} else {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(cache, "terraform-provider-entra", "runs")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil
	}
	wd, _ := os.Getwd()
	sum := sha256.Sum256([]byte(wd))
	return &runNotes{dir: dir, tenant: safeName(tenantID), run: run, workdir: hex.EncodeToString(sum[:8]), pid: os.Getpid(),
		passSeen: map[graph.PassRef]bool{}}
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

func (n *runNotes) runPath() string { return filepath.Join(n.dir, "run-"+n.tenant+"-"+n.run+".jsonl") }

func (n *runNotes) passPath(run string) string {
	return filepath.Join(n.dir, "passes-"+n.tenant+"-"+n.workdir+"-"+run+".jsonl")
}

// load reads what earlier, ended processes of this run noted.
func (n *runNotes) load() {
	n.once.Do(func() {
		n.users, n.member = map[string]graph.User{}, map[memberKey]map[string]bool{}
		n.prune()
		f, err := os.Open(n.runPath())
		if err != nil {
			return
		}
		defer func() { _ = f.Close() }()
		ended := map[int]bool{}
		s := bufio.NewScanner(f)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			var l noteLine
			if json.Unmarshal(s.Bytes(), &l) != nil || l.PID == n.pid {
				continue
			}
			dead, known := ended[l.PID]
			if !known {
				dead = !processAlive(l.PID)
				ended[l.PID] = dead
			}
			if !dead {
				continue
			}
			switch {
			case l.User != nil && l.Ref != "":
				n.users[strings.ToLower(l.Ref)] = *l.User
			case l.Member != nil:
				in := map[string]bool{}
				for _, g := range l.Member.In {
					in[g] = true
				}
				n.member[memberKey{user: l.Member.User, groups: l.Member.Groups}] = in
			}
		}
	})
}

// user returns the user an ended process of this run looked up by this reference.
func (n *runNotes) user(ref string) (graph.User, bool) {
	if n == nil {
		return graph.User{}, false
	}
	n.load()
	u, ok := n.users[strings.ToLower(ref)]
	return u, ok
}

// members returns the memberships an ended process of this run checked.
func (n *runNotes) members(k memberKey) (map[string]bool, bool) {
	if n == nil {
		return nil, false
	}
	n.load()
	m, ok := n.member[k]
	return m, ok
}

func (n *runNotes) noteUser(ref string, u graph.User) {
	if n == nil {
		return
	}
	n.write(&n.runFile, n.runPath(), noteLine{Ref: strings.ToLower(ref), User: &u})
}

func (n *runNotes) noteMembers(k memberKey, in map[string]bool) {
	if n == nil {
		return
	}
	l := noteLine{Member: &struct {
		User   string   `json:"user"`
		Groups string   `json:"groups"`
		In     []string `json:"in"`
	}{User: k.user, Groups: k.groups}}
	for g := range in {
		l.Member.In = append(l.Member.In, g)
	}
	n.write(&n.runFile, n.runPath(), l)
}

// notePass records a pass this run read or issued, once.
func (n *runNotes) notePass(r graph.PassRef) {
	if n == nil || r.UserID == "" || r.ID == "" {
		return
	}
	n.mu.Lock()
	seen := n.passSeen[r]
	n.passSeen[r] = true
	n.mu.Unlock()
	if !seen {
		n.write(&n.passFile, n.passPath(n.run), noteLine{U: r.UserID, P: r.ID})
	}
}

// previousPasses returns the passes the latest earlier run in this working directory read or issued.
func (n *runNotes) previousPasses() []graph.PassRef {
	if n == nil {
		return nil
	}
	prefix := "passes-" + n.tenant + "-" + n.workdir + "-"
	entries, _ := os.ReadDir(n.dir)
	type candidate struct {
		name string
		mod  time.Time
	}
	var runs []candidate
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || name == filepath.Base(n.passPath(n.run)) {
			continue
		}
		if info, err := e.Info(); err == nil {
			runs = append(runs, candidate{name, info.ModTime()})
		}
	}
	if len(runs) == 0 {
		return nil
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].mod.After(runs[j].mod) })
	for _, old := range runs[1:] {
		_ = os.Remove(filepath.Join(n.dir, old.name)) // only the latest run's list is useful
	}
	f, err := os.Open(filepath.Join(n.dir, runs[0].name))
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	var out []graph.PassRef
	seen := map[graph.PassRef]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		var l noteLine
		if json.Unmarshal(s.Bytes(), &l) == nil && l.U != "" && l.P != "" {
			r := graph.PassRef{UserID: l.U, ID: l.P}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// write appends one line, opening the file on first use. A note that cannot be written costs the next process a
// read from Graph, nothing else.
func (n *runNotes) write(f **os.File, path string, l noteLine) {
	if n == nil {
		return
	}
	l.PID = n.pid
	b, err := json.Marshal(l)
	if err != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if *f == nil && !n.openFails {
		if *f, err = os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
			n.openFails, *f = true, nil
		}
	}
	if *f != nil {
		_, _ = (*f).Write(append(b, '\n'))
	}
}

// prune removes notes past their use.
func (n *runNotes) prune() {
	entries, err := os.ReadDir(n.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		keep := passNotesRetention
		if strings.HasPrefix(e.Name(), "run-") {
			keep = runNotesRetention
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > keep {
			_ = os.Remove(filepath.Join(n.dir, e.Name()))
		}
	}
}

// runKey names a CLI process by pid and start time (pids are reused; the pair is not).
func runKey(pid int, started string) string { return strconv.Itoa(pid) + "-" + safeName(started) }
