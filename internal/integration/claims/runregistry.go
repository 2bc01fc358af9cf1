package claims

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The run registry lets the provider processes of one Terraform run see each
// other's billing mappings, so that two mappings on one contract service
// line fail the plan even when two provider aliases plan them. Terraform
// runs each provider configuration as its own plugin process, a child of
// the terraform process, and starts new processes for each walk of a run
// (the plan walk, then the apply walk of `terraform apply`). Checked with
// Terraform 1.11: every billing mapping is planned once per walk in its
// provider's process (a replacement is planned a second time with no prior
// state, which the resource skips); a process ends as soon as its own
// resources are done, possibly before a sibling alias plans; the plan
// walk's processes have all ended before the apply walk's start;
// `-refresh-only` plans nothing.
//
// So the registry lives in a directory per terraform process (the parent
// pid) and groups the processes of one walk in a generation: a process
// joins the generation of the processes alive when it is configured, or
// starts a new one when none is (the previous walk has ended). Each process
// holds a lock on its own entry for its lifetime, so liveness survives a
// crash and pid reuse. A line claimed twice within one generation, by
// processes other than the caller, is a duplicate even when the other
// process has already exited.
//
// Limits, said in DESIGN.md: a provider whose configuration depends on
// values only known late (so its process starts after a sibling has already
// finished) may start a new generation and miss that sibling's claims; the
// claims in Autotask (ownership.go) still stop the second push at apply.
// On systems without file locks (Windows) the registry is off.

// RunClaimant describes a billing mapping that claims a line in a run.
type RunClaimant struct {
	Tenant   string `json:"tenant"`
	Company  int64  `json:"company"`
	Contract int64  `json:"contract"`
	Service  int64  `json:"service,omitempty"`
	// Existing is set when the mapping was planned with a prior state (an
	// update, not a create).
	Existing bool `json:"existing,omitempty"`
	// Alias is set when the claim comes from another provider process.
	OtherProcess bool `json:"-"`
}

// Describe names the claimant for people.
func (c RunClaimant) Describe() string {
	s := fmt.Sprintf("the billing mapping of tenant %q (company %d, contract %d)", c.Tenant, c.Company, c.Contract)
	if c.OtherProcess {
		s += " planned by another provider configuration (alias) of this run"
	}
	return s
}

// RunRegistry is this process's entry in the registry of one Terraform run.
type RunRegistry struct {
	dir  string
	self string // entry name: "p-<pid>-<nanos>"
	pid  int
	gen  int64
	hold *os.File // locked for the process lifetime: proves it is alive
	mu   sync.Mutex
}

var (
	registriesMu sync.Mutex
	registries   = map[string]*RunRegistry{}
)

// DefaultRunRegistryBase is where run registries live: a directory of the
// user's temporary directory.
func DefaultRunRegistryBase() string {
	return filepath.Join(os.TempDir(), "terraform-provider-petra-"+strconv.Itoa(os.Getuid()), "runs")
}

// OpenRunRegistry returns this process's entry in the registry of the
// Terraform run that started it (the parent process), under base, creating
// it on first use; later calls in the process return the same entry.
func OpenRunRegistry(base string) (*RunRegistry, error) {
	return openRunRegistry(base, os.Getppid(), os.Getpid())
}

func openRunRegistry(base string, ppid, pid int) (*RunRegistry, error) {
	if !registrySupported {
		return nil, errRegistryUnsupported
	}
	dir := filepath.Join(base, "run-"+strconv.Itoa(ppid))
	key := dir + "|" + strconv.Itoa(pid)
	registriesMu.Lock()
	defer registriesMu.Unlock()
	if r := registries[key]; r != nil {
		return r, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("run registry: %w", err)
	}
	r := &RunRegistry{dir: dir, pid: pid, self: fmt.Sprintf("p-%d-%d", pid, time.Now().UnixNano())}
	err := r.locked(func() error {
		gen, live, err := r.liveGeneration()
		if err != nil {
			return err
		}
		if !live {
			gen, err = r.nextGeneration()
			if err != nil {
				return err
			}
			r.sweep(gen)
		}
		r.gen = gen
		f, err := os.OpenFile(filepath.Join(dir, r.self), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if err := lockFile(f); err != nil {
			_ = f.Close()
			return err
		}
		if err := json.NewEncoder(f).Encode(entryFile{Gen: gen, Pid: pid}); err != nil {
			_ = f.Close()
			return err
		}
		r.hold = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("run registry %s: %w", dir, err)
	}
	registries[key] = r
	return r, nil
}

// entryFile is a process entry's content.
type entryFile struct {
	Gen int64 `json:"gen"`
	Pid int   `json:"pid"`
}

// claimFile is a claim's content.
type claimFile struct {
	Gen      int64       `json:"gen"`
	Pid      int         `json:"pid"`
	Entry    string      `json:"entry"`
	Claimant RunClaimant `json:"claimant"`
}

// locked runs fn holding the registry directory's lock.
func (r *RunRegistry) locked(fn func() error) error {
	f, err := os.OpenFile(filepath.Join(r.dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lockFile(f); err != nil {
		return err
	}
	defer unlockFile(f)
	return fn()
}

// liveGeneration returns the generation of the process entries that are
// alive (locked by their process), removing the dead ones' files.
func (r *RunRegistry) liveGeneration() (gen int64, live bool, err error) {
	names, err := filepath.Glob(filepath.Join(r.dir, "p-*"))
	if err != nil {
		return 0, false, err
	}
	for _, name := range names {
		alive, e, err := probeEntry(name)
		if err != nil {
			continue
		}
		if !alive {
			_ = os.Remove(name)
			continue
		}
		if !live || e.Gen > gen {
			gen, live = e.Gen, true
		}
	}
	return gen, live, nil
}

// probeEntry reports whether a process entry's owner is alive: its file is
// locked by the process that wrote it.
func probeEntry(name string) (alive bool, e entryFile, err error) {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return false, e, err
	}
	defer f.Close()
	if err := tryLockFile(f); err != nil {
		if errors.Is(err, errLocked) {
			_ = json.NewDecoder(f).Decode(&e)
			return true, e, nil
		}
		return false, e, err
	}
	unlockFile(f)
	return false, e, nil
}

// nextGeneration increments the directory's generation counter.
func (r *RunRegistry) nextGeneration() (int64, error) {
	p := filepath.Join(r.dir, "generation")
	var g int64
	if b, err := os.ReadFile(p); err == nil {
		g, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	g++
	return g, os.WriteFile(p, []byte(strconv.FormatInt(g, 10)), 0o600)
}

// sweep removes the claims of earlier generations.
func (r *RunRegistry) sweep(gen int64) {
	names, _ := filepath.Glob(filepath.Join(r.dir, "c-*"))
	for _, name := range names {
		var c claimFile
		if b, err := os.ReadFile(name); err == nil && json.Unmarshal(b, &c) == nil && c.Gen == gen {
			continue
		}
		_ = os.Remove(name)
	}
}

// Claim records that this process plans a billing mapping on line (key names
// the Autotask database and line) and returns the claimant of another
// process of the same walk that claimed it first, if any. Claims of this
// process are not compared here (the Service does that itself).
func (r *RunRegistry) Claim(key string, c RunClaimant) (other *RunClaimant, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := sha256.Sum256([]byte(key))
	prefix := "c-" + hex.EncodeToString(sum[:12]) + "-"
	err = r.locked(func() error {
		names, err := filepath.Glob(filepath.Join(r.dir, prefix+"*"))
		if err != nil {
			return err
		}
		for _, name := range names {
			var cf claimFile
			b, err := os.ReadFile(name)
			if err != nil || json.Unmarshal(b, &cf) != nil {
				continue
			}
			switch {
			case cf.Gen != r.gen:
				_ = os.Remove(name) // an earlier walk's
			case cf.Pid != r.pid && other == nil:
				o := cf.Claimant
				o.OtherProcess = true
				other = &o
			}
		}
		mine := filepath.Join(r.dir, prefix+r.self)
		if _, err := os.Stat(mine); err == nil {
			return nil
		}
		b, err := json.Marshal(claimFile{Gen: r.gen, Pid: r.pid, Entry: r.self, Claimant: c})
		if err != nil {
			return err
		}
		return os.WriteFile(mine, b, 0o600)
	})
	return other, err
}

// close ends this entry as if its process had exited (tests).
func (r *RunRegistry) close() {
	registriesMu.Lock()
	defer registriesMu.Unlock()
	for k, v := range registries {
		if v == r {
			delete(registries, k)
		}
	}
	if r.hold != nil {
		_ = r.hold.Close()
	}
}
