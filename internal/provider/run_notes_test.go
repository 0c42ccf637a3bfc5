package provider

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/entra-tap/terraform-provider-entra/internal/graph"
)

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func testNotes(t *testing.T, dir, run string) *runNotes {
	return &runNotes{dir: dir, tenant: "t1", run: run, workdir: "w1", pid: os.Getpid(), passSeen: map[graph.PassRef]bool{}}
}

func appendLine(t *testing.T, path string, l noteLine) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	b, _ := json.Marshal(l)
	_, _ = f.Write(append(b, '\n'))
}

// The re-plan takes what an ended process of the same run noted, and nothing a live one (or itself) noted.
func TestRunNotesServeUsersOfEndedProcessesOfTheRun(t *testing.T) {
	dir := t.TempDir()
	plan := testNotes(t, dir, "100-1")
	dead := deadPID(t)
	ada := graph.User{ID: "0b8f4d3c-1a2b-4c5d-8e9f-000000000001", UserPrincipalName: "ada@contoso.com", AccountEnabled: true}
	appendLine(t, plan.runPath(), noteLine{PID: dead, Ref: "ada@contoso.com", User: &ada})
	appendLine(t, plan.runPath(), noteLine{PID: os.Getppid(), Ref: "bob@contoso.com", User: &graph.User{ID: "b"}}) // alive
	plan.noteUser("carol@contoso.com", graph.User{ID: "c"})                                                        // this process

	apply := testNotes(t, dir, "100-1")
	if u, ok := apply.user("Ada@Contoso.com"); !ok || u != ada {
		t.Errorf("the plan's user, named in any case: %+v %v", u, ok)
	}
	for _, who := range []string{"bob@contoso.com", "carol@contoso.com"} {
		if _, ok := apply.user(who); ok {
			t.Errorf("%s was noted by a process that is alive", who)
		}
	}
	if _, ok := testNotes(t, dir, "200-1").user("ada@contoso.com"); ok {
		t.Error("another run must read Graph")
	}
	var none *runNotes
	if _, ok := none.user("ada@contoso.com"); ok {
		t.Error("no notes, no user")
	}
	none.noteUser("x", graph.User{})
	none.notePass(graph.PassRef{UserID: "u", ID: "p"})
}

// A refresh reads the passes the latest earlier run in this directory read or issued, and the older lists go.
func TestRunNotesListThePreviousRunsPasses(t *testing.T) {
	dir := t.TempDir()
	older := testNotes(t, dir, "1-1")
	older.notePass(graph.PassRef{UserID: "u0", ID: "p0"})
	_ = os.Chtimes(older.passPath("1-1"), time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	previous := testNotes(t, dir, "2-1")
	previous.notePass(graph.PassRef{UserID: "u1", ID: "p1"})
	previous.notePass(graph.PassRef{UserID: "u2", ID: "p2"})
	previous.notePass(graph.PassRef{UserID: "u1", ID: "p1"})

	now := testNotes(t, dir, "3-1")
	got := now.previousPasses()
	if len(got) != 2 || got[0] != (graph.PassRef{UserID: "u1", ID: "p1"}) {
		t.Errorf("want the previous run's two passes, got %v", got)
	}
	if _, err := os.Stat(older.passPath("1-1")); !os.IsNotExist(err) {
		t.Error("older runs' lists are removed")
	}
	elsewhere := &runNotes{dir: dir, tenant: "t1", run: "3-1", workdir: "w2", pid: os.Getpid(), passSeen: map[graph.PassRef]bool{}}
	if got := elsewhere.previousPasses(); len(got) != 0 {
		t.Errorf("another working directory has no list: %v", got)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "*")); len(entries) == 0 {
		t.Error("no files")
	}
}
