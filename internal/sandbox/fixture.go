package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// fixtureDoc is where fixture authors find the field reference.
const fixtureDoc = "internal/sandbox/fixtures/README.md"

//go:embed fixtures/*.json
var builtinFixtures embed.FS

// Fixture is the complete initial state of a sandbox: the Autotask database,
// the Petra organisation and, optionally, a pinned "today".
type Fixture struct {
	// Today pins the sandbox clock ("2026-11-23"); empty follows the wall
	// clock. Relative fixture dates ("today+30d") resolve against it.
	Today    string              `json:"today,omitempty"`
	Autotask autotasksim.Fixture `json:"autotask"`
	Petra    petrasim.Fixture    `json:"petra"`
}

// today returns the pinned date, or the zero time when none is set.
func (f *Fixture) today() (time.Time, error) {
	if f.Today == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", f.Today)
	if err != nil {
		return time.Time{}, fmt.Errorf(`"today" is %q; use a date like "2026-11-23" or leave it out to follow the wall clock`, f.Today)
	}
	return d, nil
}

// LoadFixture reads and validates the fixture file at path.
func LoadFixture(path string) (*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sandbox fixture: %w (set SANDBOX_FIXTURE or -fixture to an existing JSON file)", err)
	}
	fx, err := ParseFixture(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return fx, nil
}

// ParseFixture decodes a fixture strictly: unknown fields are rejected with
// their name and line, and Petra tenants and the pinned date are validated.
// Autotask entities are validated when the sandbox is built (New).
func ParseFixture(data []byte) (*Fixture, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var fx Fixture
	if err := dec.Decode(&fx); err != nil {
		return nil, describeJSONError(data, dec, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("fixture has data after its closing brace (line %d); a fixture is one JSON object", lineOf(data, dec.InputOffset()))
	}
	today, err := fx.today()
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	if today.IsZero() {
		today = simtime.Midnight(time.Now())
	}
	if err := fx.Petra.Validate(today); err != nil {
		return nil, fmt.Errorf("fixture: %w (see %s)", err, fixtureDoc)
	}
	return &fx, nil
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// keyLine finds the line of the first `"key":` in data; the decoder only
// reports where the whole document ended.
func keyLine(data []byte, quoted string, fallback int64) int {
	re, err := regexp.Compile(regexp.QuoteMeta(quoted) + `\s*:`)
	if err == nil {
		if loc := re.FindIndex(data); loc != nil {
			return lineOf(data, int64(loc[0]))
		}
	}
	return lineOf(data, fallback)
}

// describeJSONError turns decoder errors into messages naming the field and
// line, with a pointer to the format documentation.
func describeJSONError(data []byte, dec *json.Decoder, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("fixture is not valid JSON at line %d: %w", lineOf(data, syn.Offset), syn)
	case errors.As(err, &typ):
		return fmt.Errorf("fixture field %q (line %d) must be a %s, not a JSON %s (see %s)", typ.Field, lineOf(data, typ.Offset), typ.Type, typ.Value, fixtureDoc)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return fmt.Errorf("fixture has unknown field %s (line %d); check its spelling and nesting against %s", name, keyLine(data, name, dec.InputOffset()), fixtureDoc)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("fixture is empty; it must be a JSON object (see %s)", fixtureDoc)
	default:
		return fmt.Errorf("fixture: %w (see %s)", err, fixtureDoc)
	}
}

func builtin(name string) *Fixture {
	data, err := builtinFixtures.ReadFile("fixtures/" + name)
	if err != nil {
		panic(fmt.Sprintf("sandbox: built-in fixture %s missing: %v", name, err))
	}
	fx, err := ParseFixture(data)
	if err != nil {
		panic(fmt.Sprintf("sandbox: built-in fixture %s is invalid: %v", name, err))
	}
	return fx
}

// BaseFixture returns a fresh copy of the built-in base fixture: API users,
// ticket picklists, the Petra key and Petra tenants, and no Autotask
// companies or contracts (tests create those through the Autotask API).
func BaseFixture() *Fixture { return builtin("base.json") }

// DemoFixture returns a fresh copy of the built-in demo fixture: the base
// fixture plus a demo MSP's companies, services and contracts.
func DemoFixture() *Fixture { return builtin("demo.json") }
