package issuance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Journal records, on the local disk, the passes handed over to Terraform that are not yet confirmed, so that
// the next run on this machine recognises a pass whose provider process died before Terraform received or
// confirmed it (killed mid-apply, or unable to revoke it at the end). An entry holds no secret: the tenant,
// the user, the pass id, and the process that minted it.
//
// Terraform keeps no record of what a write-only consumer received, and Graph none of what the provider meant
// a pass for, so this is the only record that survives the provider process. It covers the same machine (a
// workstation, a self-hosted runner, a re-run in the same job); on a fresh machine the revocation at the end
// of a failed run still holds, and a killed run is repaired with -replace.
type Journal struct {
	dir string
	pid int
}

// JournalEntry is one pass awaiting confirmation.
type JournalEntry struct {
	TenantID string    `json:"tenantId"`
	UserID   string    `json:"userId"`
	PassID   string    `json:"passId"`
	MintedAt time.Time `json:"mintedAt"`
	PID      int       `json:"pid"`
}

// JournalDirEnv names the environment variable that moves the journal (default: the user's cache directory).
const JournalDirEnv = "ENTRA_HANDOVER_JOURNAL_DIR"

// journalRetention is how long an entry is kept whatever happens: a pass lives 30 days at most.
const journalRetention = 31 * 24 * time.Hour

// OpenJournal opens the journal directory, creating it. A journal that cannot be opened is nil: the provider
// then works without it, as on a fresh machine.
func OpenJournal() *Journal {
	dir := os.Getenv(JournalDirEnv)
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(cache, "terraform-provider-entra", "handovers")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil
	}
	j := &Journal{dir: dir, pid: os.Getpid()}
	j.prune()
	return j
}

var safeName = regexp.MustCompile(`[^0-9A-Za-z-]`)

func (j *Journal) path(tenantID, passID string) string {
	return filepath.Join(j.dir, safeName.ReplaceAllString(tenantID, "_")+"_"+safeName.ReplaceAllString(passID, "_")+".json")
}

// Record writes an entry for a pass this process minted, atomically.
func (j *Journal) Record(tenantID string, p Pass) error {
	if j == nil {
		return nil
	}
	b, err := json.Marshal(JournalEntry{TenantID: tenantID, UserID: p.User.ID, PassID: p.ID, MintedAt: time.Now().UTC(), PID: j.pid})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(j.dir, ".entry-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), j.path(tenantID, p.ID))
}

// Forget removes the entry of a pass confirmed or revoked.
func (j *Journal) Forget(tenantID, passID string) {
	if j == nil {
		return
	}
	_ = os.Remove(j.path(tenantID, passID))
}

// Orphaned reports whether the journal holds an entry for this pass whose minting process is no longer alive:
// the pass was never confirmed received, and nobody can still confirm it.
func (j *Journal) Orphaned(tenantID, passID string) (JournalEntry, bool) {
	if j == nil {
		return JournalEntry{}, false
	}
	b, err := os.ReadFile(j.path(tenantID, passID))
	if err != nil {
		return JournalEntry{}, false
	}
	var e JournalEntry
	if json.Unmarshal(b, &e) != nil || e.PassID != passID {
		return JournalEntry{}, false
	}
	if e.PID == j.pid || processAlive(e.PID) {
		return e, false
	}
	return e, true
}

// prune removes entries past the longest pass lifetime.
func (j *Journal) prune() {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return
	}
	for _, de := range entries {
		if info, err := de.Info(); err == nil && strings.HasSuffix(de.Name(), ".json") && time.Since(info.ModTime()) > journalRetention {
			_ = os.Remove(filepath.Join(j.dir, de.Name()))
		}
	}
}

func (e JournalEntry) String() string {
	return fmt.Sprintf("pass %s was handed over by provider process %d at %s, which ended before Terraform confirmed that its consumers received it",
		e.PassID, e.PID, e.MintedAt.Format(time.RFC3339))
}
