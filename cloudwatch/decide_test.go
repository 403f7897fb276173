package cloudwatch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parsePoints turns AWS's table notation ("0 - X - X", oldest first) into
// point classes.
func parsePoints(t *testing.T, s string) []pointClass {
	var out []pointClass
	for _, f := range strings.Fields(s) {
		switch f {
		case "0":
			out = append(out, pOK)
		case "X":
			out = append(out, pBreach)
		case "-":
			out = append(out, pMissing)
		default:
			t.Fatalf("bad point %q", f)
		}
	}
	return out
}

// keep marks a table cell "keep current state".
const keep StateValue = "keep"

// TestDecideAWSMissingDataTables checks every row of the two tables in AWS's
// "How alarm state is evaluated when data is missing" (shared/aws §3.7), for
// every TreatMissingData setting and every current state.
func TestDecideAWSMissingDataTables(t *testing.T) {
	type row struct {
		points                                string
		missing, ignore, breaching, notBreach StateValue
	}
	tables := []struct {
		m, n int
		rows []row
	}{
		{3, 3, []row{ // table 1: 3 of 3, range 5
			{"0 - X - X", StateOK, StateOK, StateOK, StateOK},
			{"0 - - - -", StateOK, StateOK, StateOK, StateOK},
			{"- - - - -", StateInsufficientData, keep, StateAlarm, StateOK},
			{"0 X X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"- - X - -", StateAlarm, keep, StateAlarm, StateOK},
		}},
		{2, 3, []row{ // table 2: 2 of 3, range 5
			{"0 - X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 0 X 0 X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 - X - -", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - - 0", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - X -", StateAlarm, keep, StateAlarm, StateOK},
		}},
	}
	for _, tb := range tables {
		for _, r := range tb.rows {
			for _, tc := range []struct {
				treat TreatMissingData
				want  StateValue
			}{{TreatMissing, r.missing}, {TreatIgnore, r.ignore}, {TreatBreaching, r.breaching}, {TreatNotBreaching, r.notBreach}} {
				for _, cur := range []StateValue{StateOK, StateAlarm, StateInsufficientData} {
					name := fmt.Sprintf("%dof%d/%s/%s/from-%s", tb.m, tb.n, r.points, tc.treat, cur)
					t.Run(name, func(t *testing.T) {
						want := tc.want
						if want == keep {
							want = cur
						}
						assert.Equal(t, want, decide(parsePoints(t, r.points), tb.n, tb.m, tc.treat, cur))
					})
				}
			}
		}
	}
}

// TestDecidePrematureAlarm checks the documented rule against premature
// ALARM: with 3 of 3, "- - - - X" and "- - - X -" do not alarm yet.
func TestDecidePrematureAlarm(t *testing.T) {
	for _, pts := range []string{"- - - - X", "- - - X -"} {
		for _, cur := range []StateValue{StateOK, StateInsufficientData} {
			assert.Equal(t, cur, decide(parsePoints(t, pts), 3, 3, TreatMissing, cur), pts)
		}
	}
	// One more evaluation with the point still the only one: now old enough.
	assert.Equal(t, StateAlarm, decide(parsePoints(t, "- - X - -"), 3, 3, TreatMissing, StateOK))
	// A good point newer than the breaching one blocks the rule.
	assert.Equal(t, StateOK, decide(parsePoints(t, "- - X 0 -"), 3, 3, TreatMissing, StateOK))
}

// TestDecideMofN checks M-of-N with full data: the alarm fires when at least
// M of the last N points breach, wherever they are in the window, and points
// older than the window do not count.
func TestDecideMofN(t *testing.T) {
	cases := []struct {
		pts  string
		m, n int
		want StateValue
	}{
		{"X X 0 0 0 0 0", 1, 5, StateOK},    // breaches left the window
		{"0 0 X 0 0 0 0", 1, 5, StateAlarm}, // oldest in window
		{"0 0 X 0 X 0 0", 2, 5, StateAlarm}, // non-consecutive
		{"0 0 X 0 0 0 0", 2, 5, StateOK},    // one of the needed two
		{"0 0 X X X X 0", 4, 5, StateAlarm}, // 4 of 5
		{"0 0 X X 0 X 0", 4, 5, StateOK},    // 3 of 5
		{"0 0 X X X", 3, 3, StateAlarm},     // 3 of 3
		{"0 0 X X 0", 3, 3, StateOK},        // newest is good
		{"X X X X - X", 3, 3, StateAlarm},   // one missing: newest 3 real points
		{"X 0 X X - X", 3, 3, StateAlarm},   // newest 3 real points all breach
		{"X X 0 X - X", 3, 3, StateOK},      // newest 3 real points are 0 X X
		{"0 0 0 0 0 0 0 0 0 0 0 0 0 0 X", 1, 15, StateAlarm},
	}
	for _, c := range cases {
		pts := parsePoints(t, c.pts)
		require.GreaterOrEqual(t, len(pts), c.n)
		assert.Equal(t, c.want, decide(pts, c.n, c.m, TreatMissing, StateInsufficientData), "%s %d of %d", c.pts, c.m, c.n)
	}
}
