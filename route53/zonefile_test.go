package route53

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZoneFileImportExport(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	f, err := os.Open("testdata/example.com.zone")
	require.NoError(t, err)
	defer f.Close()
	n, err := r.ImportZoneFile(z.ID(), f)
	require.NoError(t, err)
	// 13 records outside SOA and apex NS, in 11 sets (MX ×2, sip ×2).
	assert.Equal(t, 11, n)
	assert.Equal(t, 13, z.ResourceRecordSetCount(), "imported sets plus Route 53's own SOA and NS")
	assert.Equal(t, []string{"192.0.2.1"}, addrStrings(r.Query("www.example.com", dns.TypeA, Source{})))
	assert.ElementsMatch(t, []string{"192.0.2.50", "192.0.2.51"}, addrStrings(r.Query("sip.example.com", dns.TypeA, Source{})))
	assert.Equal(t, "192.0.2.99", first(r.Query("x.dev.example.com", dns.TypeA, Source{})))
	// Route 53 keeps its own SOA, not the file's.
	soa := r.Query("example.com", dns.TypeSOA, Source{})
	assert.Contains(t, soa.Values[0], "awsdns-hostmaster.amazon.com.")

	var out bytes.Buffer
	require.NoError(t, r.ExportZoneFile(z.ID(), &out))
	golden, err := os.ReadFile("testdata/example.com.export")
	if os.Getenv("ROUTE53_REWRITE") != "" || errors.Is(err, os.ErrNotExist) {
		require.NoError(t, os.WriteFile("testdata/example.com.export", out.Bytes(), 0o644))
		golden = out.Bytes()
	}
	assert.Equal(t, string(golden), out.String())

	// The export imports into a fresh zone and exports the same.
	_, r2 := newService(t, 1)
	z2 := newZone(t, r2, "example.com")
	_, err = r2.ImportZoneFile(z2.ID(), bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	var again bytes.Buffer
	require.NoError(t, r2.ExportZoneFile(z2.ID(), &again))
	assert.Equal(t, out.String(), again.String())
}

func addrStrings(a Answer) []string {
	var out []string
	for _, x := range a.Addrs {
		out = append(out, x.String())
	}
	return out
}

func TestZoneFileErrors(t *testing.T) {
	cases := map[string]string{
		"syntax":      "www IN A\n",
		"bad address": "www 60 IN A 300.1.1.1\n",
		"outside":     "www.example.org. 60 IN A 192.0.2.1\n",
		"cname apex":  "@ 60 IN CNAME other.example.net.\n",
		"mixed ttl":   "a 60 IN A 192.0.2.1\na 120 IN A 192.0.2.2\n",
		"type":        "a 60 IN HINFO \"x\" \"y\"\n",
		"include":     "$INCLUDE /etc/passwd\n",
	}
	for name, text := range cases {
		_, r := newService(t, 1)
		z := newZone(t, r, "example.com")
		_, err := r.ImportZoneFile(z.ID(), strings.NewReader(text))
		require.ErrorIs(t, err, ErrZoneFile, name)
		assert.Equal(t, 2, z.ResourceRecordSetCount(), "%s: nothing imported", name)
	}
}

func FuzzImportZoneFile(f *testing.F) {
	seed, err := os.ReadFile("testdata/example.com.zone")
	require.NoError(f, err)
	f.Add(string(seed))
	f.Add("www 60 IN A 192.0.2.1\n")
	f.Add("@ IN MX 10 mail\n$TTL 5\nx IN TXT \"a;b\"\n")
	f.Add("* 1 IN CNAME @\n")
	f.Fuzz(func(t *testing.T, text string) {
		_, r := newService(t, 1)
		z := newZone(t, r, "example.com")
		n, err := r.ImportZoneFile(z.ID(), strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, ErrZoneFile) {
				t.Fatalf("error not wrapping ErrZoneFile: %v", err)
			}
			if z.ResourceRecordSetCount() != 2 {
				t.Fatalf("failed import changed the zone")
			}
			return
		}
		if z.ResourceRecordSetCount() > 2+n {
			t.Fatalf("%d sets after importing %d", z.ResourceRecordSetCount(), n)
		}
		// Whatever imports, exports and imports again identically.
		var out, again bytes.Buffer
		if err := r.ExportZoneFile(z.ID(), &out); err != nil {
			t.Fatal(err)
		}
		_, r2 := newService(t, 1)
		z2 := newZone(t, r2, "example.com")
		if _, err := r2.ImportZoneFile(z2.ID(), bytes.NewReader(out.Bytes())); err != nil {
			t.Fatalf("re-import: %v\n%s", err, out.String())
		}
		if err := r2.ExportZoneFile(z2.ID(), &again); err != nil {
			t.Fatal(err)
		}
		if out.String() != again.String() {
			t.Fatalf("round trip differs:\n%s\n---\n%s", out.String(), again.String())
		}
	})
}
