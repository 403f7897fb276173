package route53

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"
)

// TestRoutingScenarios runs the scripts in testdata/scenarios. Commands:
//
//	new seed=N
//	    a fresh run with zone example.com and CLOUDWATCH_METRIC checks
//	    that follow test-controlled alarms.
//	record name=N [type=A] [set=ID] [ttl=60] value=(v1, v2) [weight=W]
//	       [region=R] [geo=CC[/SUB] | geo=@CONTINENT | geo=*]
//	       [failover=PRIMARY|SECONDARY] [multivalue] [check=C]
//	    creates a record set (check C is created healthy on first use);
//	    prints "ok" or the InvalidChangeBatch error.
//	health check=C healthy=true|false
//	    sets the check's alarm and lets the check observe it.
//	query name=N [type=A] [from=CC[/SUB]] [n=1]
//	    asks n times from a resolver in that country and prints each
//	    distinct answer (addresses joined by ",", or NXDOMAIN / NODATA) with
//	    its count, sorted by answer.
//
// Rewrite the expected output with `go test -run TestRoutingScenarios -rewrite`.
func TestRoutingScenarios(t *testing.T) {
	datadriven.Walk(t, "testdata/scenarios", func(t *testing.T, path string) {
		var h *healthRig
		var z *HostedZone
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "new":
				var seed uint64
				d.ScanArgs(t, "seed", &seed)
				h = newHealthRig(t, seed)
				z = newZone(t, h.r, "example.com")
				return ""
			case "record":
				return scenarioRecord(t, h, z, d)
			case "health":
				var check string
				var healthy bool
				d.ScanArgs(t, "check", &check)
				d.ScanArgs(t, "healthy", &healthy)
				h.check(t, check)
				h.set(healthy, check)
				return ""
			case "query":
				return scenarioQuery(t, h, d)
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

func scenarioRecord(t *testing.T, h *healthRig, z *HostedZone, d *datadriven.TestData) string {
	rs := ResourceRecordSet{Type: "A", TTL: 60}
	d.ScanArgs(t, "name", &rs.Name)
	d.MaybeScanArgs(t, "type", &rs.Type)
	d.MaybeScanArgs(t, "set", &rs.SetIdentifier)
	d.MaybeScanArgs(t, "ttl", &rs.TTL)
	if arg, ok := d.Arg("value"); ok {
		rs.ResourceRecords = arg.Vals
	}
	var w int64
	if d.MaybeScanArgs(t, "weight", &w) {
		rs.Weight = Weight(w)
	}
	d.MaybeScanArgs(t, "region", &rs.Region)
	d.MaybeScanArgs(t, "failover", &rs.Failover)
	rs.MultiValueAnswer = d.HasArg("multivalue")
	var g string
	if d.MaybeScanArgs(t, "geo", &g) {
		loc := &GeoLocation{}
		switch {
		case strings.HasPrefix(g, "@"):
			loc.ContinentCode = g[1:]
		default:
			loc.CountryCode, loc.SubdivisionCode, _ = strings.Cut(g, "/")
		}
		rs.GeoLocation = loc
	}
	var check string
	if d.MaybeScanArgs(t, "check", &check) {
		rs.HealthCheckId = h.check(t, check)
	}
	if _, err := h.r.ChangeResourceRecordSets(z.ID(), []Change{{Action: "CREATE", ResourceRecordSet: rs}}); err != nil {
		return err.Error()
	}
	return "ok"
}

func scenarioQuery(t *testing.T, h *healthRig, d *datadriven.TestData) string {
	var name, from string
	typ, n := "A", 1
	d.ScanArgs(t, "name", &name)
	d.MaybeScanArgs(t, "type", &typ)
	d.MaybeScanArgs(t, "from", &from)
	d.MaybeScanArgs(t, "n", &n)
	qtype, ok := dns.StringToType[typ]
	require.True(t, ok, typ)
	src := Source{}
	if from != "" {
		country, sub, _ := strings.Cut(from, "/")
		src = fromCountry(t, country, sub)
	}
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		a := h.r.Query(name, qtype, src)
		var key string
		switch {
		case a.Rcode == dns.RcodeNameError:
			key = "NXDOMAIN"
		case a.NoData():
			key = "NODATA"
		case len(a.Addrs) > 0:
			as := make([]string, len(a.Addrs))
			for j, x := range a.Addrs {
				as[j] = x.String()
			}
			if n > 1 {
				slices.Sort(as) // multivalue sets, not orders
			}
			key = strings.Join(as, ",")
		default:
			key = strings.Join(a.Values, ",")
		}
		counts[key]++
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&b, "%s %s\n", k, strconv.Itoa(counts[k]))
	}
	return b.String()
}

// fromCountry is from() for scenario scripts.
func fromCountry(t *testing.T, country, sub string) Source { return from(t, country, sub) }
