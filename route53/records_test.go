package route53

import (
	"errors"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateHostedZoneHasSOAAndNS(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "Example.com")
	assert.Equal(t, "example.com.", z.Name())
	sets := z.ResourceRecordSets()
	require.Len(t, sets, 2)
	assert.Equal(t, TypeNS, sets[0].Type)
	assert.Len(t, sets[0].ResourceRecords, 4)
	assert.Equal(t, int64(172800), sets[0].TTL)
	assert.Equal(t, TypeSOA, sets[1].Type)
	assert.Equal(t, int64(900), sets[1].TTL)
	assert.Contains(t, sets[1].ResourceRecords[0], "awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400")
	// Negative answers are cached for min(SOA TTL 900, minimum 86400).
	ans := r.Query("nope.example.com", dns.TypeA, Source{})
	assert.Equal(t, dns.RcodeNameError, ans.Rcode)
	assert.Equal(t, uint32(900), ans.TTL)

	_, err := r.CreateHostedZone(HostedZoneConfig{Name: "example.com"})
	assert.ErrorIs(t, err, ErrConflictingDomainExists)
	_, err = r.CreateHostedZone(HostedZoneConfig{Name: "internal.", PrivateZone: true})
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

func TestChangeBatchValidation(t *testing.T) {
	w := Weight
	tests := []struct {
		name    string
		changes []Change
		is      error
		msg     string
	}{
		{"CNAME at apex", []Change{{"CREATE", ResourceRecordSet{Name: "example.com", Type: "CNAME", TTL: 60, ResourceRecords: []string{"x.example.net."}}}},
			ErrInvalidChangeBatch, "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."},
		{"CNAME beside A", []Change{
			{"CREATE", a("www.example.com", 60, "192.0.2.1")},
			{"CREATE", ResourceRecordSet{Name: "www.example.com", Type: "CNAME", TTL: 60, ResourceRecords: []string{"x.example.net."}}}},
			ErrInvalidChangeBatch, "RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts with other records"},
		{"bad IPv4", []Change{{"CREATE", a("www.example.com", 60, "192.0.2")}},
			ErrInvalidChangeBatch, "ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '192.0.2'' in RRSet [name='www.example.com.', type='A']"},
		{"IPv6 in A", []Change{{"CREATE", a("v6.example.com", 60, "2001:db8::1")}},
			ErrInvalidChangeBatch, "ARRDATAIllegalIPv4Address"},
		{"bad IPv6", []Change{{"CREATE", ResourceRecordSet{Name: "v6.example.com", Type: "AAAA", TTL: 60, ResourceRecords: []string{"10.0.0.1"}}}},
			ErrInvalidChangeBatch, "AAAARRDATAIllegalIPv6Address"},
		{"negative TTL", []Change{{"CREATE", a("www.example.com", -1, "192.0.2.1")}},
			ErrInvalidInput, "Value '-1' at 'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647 in RRSet [name='www.example.com.', type='A']"},
		{"TTL too large", []Change{{"CREATE", a("www.example.com", 1<<31, "192.0.2.1")}},
			ErrInvalidInput, "Value '2147483648' at 'changeBatch.changes.1.member.resourceRecordSet.tTL'"},
		{"weight 256", []Change{{"CREATE", ResourceRecordSet{Name: "w.example.com", Type: "A", SetIdentifier: "x", Weight: w(256), TTL: 60, ResourceRecords: []string{"192.0.2.1"}}}},
			ErrInvalidInput, "Member must have value between 0 and 255"},
		{"policy without SetIdentifier", []Change{{"CREATE", ResourceRecordSet{Name: "w.example.com", Type: "A", Weight: w(1), TTL: 60, ResourceRecords: []string{"192.0.2.1"}}}},
			ErrInvalidChangeBatch, "Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=w.example.com., Type=A, SetIdentifier=null]"},
		{"outside zone", []Change{{"CREATE", a("www.example.net", 60, "192.0.2.1")}},
			ErrInvalidChangeBatch, "RRSet with DNS name www.example.net. is not permitted in zone example.com."},
		{"create twice", []Change{{"CREATE", a("www.example.com", 60, "192.0.2.1")}, {"CREATE", a("www.example.com", 60, "192.0.2.2")}},
			ErrInvalidChangeBatch, "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists"},
		{"delete missing", []Change{{"DELETE", a("gone.example.com", 60, "192.0.2.1")}},
			ErrInvalidChangeBatch, "Tried to delete resource record set [name='gone.example.com.', type='A'] but it was not found"},
		{"mixed policies", []Change{
			{"CREATE", ResourceRecordSet{Name: "m.example.com", Type: "A", SetIdentifier: "a", Weight: w(1), TTL: 60, ResourceRecords: []string{"192.0.2.1"}}},
			{"CREATE", ResourceRecordSet{Name: "m.example.com", Type: "A", SetIdentifier: "b", Region: "eu-west-1", TTL: 60, ResourceRecords: []string{"192.0.2.2"}}}},
			ErrInvalidChangeBatch, "cannot be created as other RRsets exist with the same name and type"},
		{"two primaries", []Change{
			{"CREATE", ResourceRecordSet{Name: "f.example.com", Type: "A", SetIdentifier: "a", Failover: "PRIMARY", TTL: 60, ResourceRecords: []string{"192.0.2.1"}}},
			{"CREATE", ResourceRecordSet{Name: "f.example.com", Type: "A", SetIdentifier: "b", Failover: "PRIMARY", TTL: 60, ResourceRecords: []string{"192.0.2.2"}}}},
			ErrInvalidChangeBatch, "at most one PRIMARY and one SECONDARY"},
		{"bias out of range", []Change{{"CREATE", ResourceRecordSet{Name: "g.example.com", Type: "A", SetIdentifier: "a",
			GeoProximityLocation: &GeoProximityLocation{AWSRegion: "us-east-1", Bias: 100}, TTL: 60, ResourceRecords: []string{"192.0.2.1"}}}},
			ErrInvalidInput, "Member must have value between -99 and 99"},
		{"unknown country", []Change{{"CREATE", ResourceRecordSet{Name: "g.example.com", Type: "A", SetIdentifier: "a",
			GeoLocation: &GeoLocation{CountryCode: "ZZ"}, TTL: 60, ResourceRecords: []string{"192.0.2.1"}}}},
			ErrInvalidChangeBatch, `unknown CountryCode "ZZ" in RRSet [name='g.example.com.', type='A', set-identifier='a']`},
		{"alias to missing record", []Change{{"CREATE", ResourceRecordSet{Name: "al.example.com", Type: "A", AliasTarget: &AliasTarget{DNSName: "nothere.example.com"}}}},
			ErrInvalidChangeBatch, "Tried to create an alias that targets nothere.example.com., type A in zone"},
		{"alias with TTL", []Change{{"CREATE", ResourceRecordSet{Name: "al.example.com", Type: "A", TTL: 60, AliasTarget: &AliasTarget{DNSName: "example.com"}}}},
			ErrInvalidChangeBatch, "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one"},
		{"two CNAME values", []Change{{"CREATE", ResourceRecordSet{Name: "c.example.com", Type: "CNAME", TTL: 60, ResourceRecords: []string{"a.example.net.", "b.example.net."}}}},
			ErrInvalidChangeBatch, "may hold only one value"},
		{"bad MX", []Change{{"CREATE", ResourceRecordSet{Name: "example.com", Type: "MX", TTL: 60, ResourceRecords: []string{"mail.example.com."}}}},
			ErrInvalidChangeBatch, "MXRRDATAIllegal"},
		{"bad CAA tag", []Change{{"CREATE", ResourceRecordSet{Name: "example.com", Type: "CAA", TTL: 60, ResourceRecords: []string{`0 issuer "ca.example.net"`}}}},
			ErrInvalidChangeBatch, "CAARRDATAIllegalTag"},
		{"delete SOA", []Change{{"DELETE", ResourceRecordSet{Name: "example.com", Type: "SOA", TTL: 900,
			ResourceRecords: []string{"x"}}}}, ErrInvalidChangeBatch, "SOA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, r := newService(t, 1)
			z := newZone(t, r, "example.com")
			before := z.ResourceRecordSets()
			_, err := r.ChangeResourceRecordSets(z.ID(), tc.changes)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.is), "%v is not %v", err, tc.is)
			assert.Contains(t, err.Error(), tc.msg)
			// Atomic: nothing of the batch applied.
			assert.Equal(t, before, z.ResourceRecordSets())
		})
	}
}

func TestChangeBatchAtomicAndUpsert(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	_, err := r.ChangeResourceRecordSets(z.ID(), []Change{
		{"CREATE", a("ok.example.com", 60, "192.0.2.1")},
		{"CREATE", a("bad.example.com", 60, "300.0.0.1")},
	})
	require.ErrorIs(t, err, ErrInvalidChangeBatch)
	assert.Equal(t, dns.RcodeNameError, r.Query("ok.example.com", dns.TypeA, Source{}).Rcode, "first change must not apply")

	mustChange(t, r, z, a("ok.example.com", 60, "192.0.2.1", "192.0.2.2"))
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"UPSERT", a("ok.example.com", 300, "198.51.100.7")}})
	require.NoError(t, err)
	ans := r.Query("OK.example.com.", dns.TypeA, Source{})
	assert.Equal(t, "198.51.100.7", first(ans))
	assert.Equal(t, uint32(300), ans.TTL)

	// DELETE needs the current values.
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"DELETE", a("ok.example.com", 300, "192.0.2.1")}})
	require.ErrorContains(t, err, "the values provided do not match the current values")
	_, err = r.ChangeResourceRecordSets(z.ID(), []Change{{"DELETE", a("ok.example.com", 300, "198.51.100.7")}})
	require.NoError(t, err)
	// Deleting the last record and delete-then-create in one batch.
	require.NoError(t, r.DeleteHostedZone(z.ID()))
}

func TestRecordTypesAndCNAMEChain(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z,
		ResourceRecordSet{Name: "example.com", Type: "MX", TTL: 300, ResourceRecords: []string{"10 mail.example.com.", "20 backup.example.com."}},
		ResourceRecordSet{Name: "example.com", Type: "TXT", TTL: 300, ResourceRecords: []string{`"v=spf1 -all"`}},
		ResourceRecordSet{Name: "example.com", Type: "CAA", TTL: 300, ResourceRecords: []string{`0 issue "amazon.com"`}},
		ResourceRecordSet{Name: "_sip._tcp.example.com", Type: "SRV", TTL: 300, ResourceRecords: []string{"10 5 5060 sip.example.com."}},
		ResourceRecordSet{Name: "1.2.0.192.in-addr.example.com", Type: "PTR", TTL: 300, ResourceRecords: []string{"host.example.com."}},
		ResourceRecordSet{Name: "v6.example.com", Type: "AAAA", TTL: 300, ResourceRecords: []string{"2001:db8::1"}},
		ResourceRecordSet{Name: "www.example.com", Type: "CNAME", TTL: 30, ResourceRecords: []string{"web.example.com"}},
		a("web.example.com", 120, "192.0.2.80"),
		a("*.wild.example.com", 60, "192.0.2.99"),
		a("deep.ent.example.com", 60, "192.0.2.5"),
	)
	mx := r.Query("example.com", dns.TypeMX, Source{})
	assert.ElementsMatch(t, []string{"10 mail.example.com.", "20 backup.example.com."}, mx.Values)
	assert.Equal(t, []string{"10 5 5060 sip.example.com."}, r.Query("_sip._tcp.example.com", dns.TypeSRV, Source{}).Values)
	assert.Equal(t, "2001:db8::1", first(r.Query("v6.example.com", dns.TypeAAAA, Source{})))
	// CNAME: followed, TTL is the chain's minimum, both queries counted.
	www := r.Query("www.example.com", dns.TypeA, Source{})
	assert.Equal(t, "192.0.2.80", first(www))
	assert.Equal(t, []string{"web.example.com."}, www.CNAMEs)
	assert.Equal(t, uint32(30), www.TTL)
	assert.Equal(t, uint64(2), z.QueryCount("A"))
	// Wildcards, NODATA for an empty non-terminal and for a missing type.
	assert.Equal(t, "192.0.2.99", first(r.Query("any.wild.example.com", dns.TypeA, Source{})))
	ent := r.Query("ent.example.com", dns.TypeA, Source{})
	assert.True(t, ent.NoData())
	assert.True(t, r.Query("web.example.com", dns.TypeMX, Source{}).NoData())
	assert.Equal(t, dns.RcodeNameError, r.Query("x.ent.example.com", dns.TypeA, Source{}).Rcode)
	// Outside every zone.
	out := r.Query("example.org", dns.TypeA, Source{})
	assert.Equal(t, dns.RcodeNameError, out.Rcode)
	assert.Equal(t, "", out.Zone)
}

func TestAliasRecords(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	lb := &target{name: "web-1.us-east-1.elb.amazonaws.com", addrs: addrs("192.0.2.10", "2001:db8::10"), healthy: true}
	require.NoError(t, r.RegisterAliasTarget(lb))
	mustChange(t, r, z,
		ResourceRecordSet{Name: "example.com", Type: "A", AliasTarget: &AliasTarget{DNSName: lb.name, EvaluateTargetHealth: true}},
		ResourceRecordSet{Name: "example.com", Type: "AAAA", AliasTarget: &AliasTarget{Resource: lb}},
		a("origin.example.com", 45, "192.0.2.20"),
		ResourceRecordSet{Name: "app.example.com", Type: "A", AliasTarget: &AliasTarget{DNSName: "origin.example.com"}},
	)
	apex := r.Query("example.com", dns.TypeA, Source{})
	assert.Equal(t, "192.0.2.10", first(apex))
	assert.Equal(t, uint32(AliasTargetTTL), apex.TTL)
	assert.True(t, apex.Free)
	assert.Equal(t, "2001:db8::10", first(r.Query("example.com", dns.TypeAAAA, Source{})))
	app := r.Query("app.example.com", dns.TypeA, Source{})
	assert.Equal(t, "192.0.2.20", first(app))
	assert.Equal(t, uint32(45), app.TTL, "an alias to a record takes that record's TTL")
	assert.False(t, app.Free)
}

func TestWeightedTTLLastWriteWins(t *testing.T) {
	_, r := newService(t, 1)
	z := newZone(t, r, "example.com")
	mustChange(t, r, z,
		ResourceRecordSet{Name: "w.example.com", Type: "A", SetIdentifier: "a", Weight: Weight(1), TTL: 60, ResourceRecords: []string{"192.0.2.1"}},
		ResourceRecordSet{Name: "w.example.com", Type: "A", SetIdentifier: "b", Weight: Weight(1), TTL: 300, ResourceRecords: []string{"192.0.2.2"}},
	)
	for _, s := range z.ResourceRecordSets() {
		if s.Name == "w.example.com." {
			assert.Equal(t, int64(300), s.TTL, s.SetIdentifier)
		}
	}
}

// FuzzChangeResourceRecordSets feeds arbitrary record values, names, TTLs
// and routing fields through a change batch and then queries the name: no
// input may panic, a rejected batch wraps a sentinel and leaves the zone
// as it was, and an accepted one is answerable.
func FuzzChangeResourceRecordSets(f *testing.F) {
	f.Add("www", "A", "192.0.2.1", int64(60), "", int64(-1), "", "", "", int64(0), false)
	f.Add("@", "MX", "10 mail.example.com.", int64(300), "", int64(-1), "", "", "", int64(0), false)
	f.Add("_sip._tcp", "SRV", "1 10 5060 sip.example.com.", int64(60), "a", int64(5), "", "", "", int64(0), false)
	f.Add("c", "CAA", "0 issue \"amazon.com\"", int64(60), "g", int64(-1), "US", "CA", "", int64(0), false)
	f.Add("t", "TXT", "\"v=spf1 -all\"", int64(60), "m", int64(-1), "", "", "", int64(0), true)
	f.Add("p", "AAAA", "2001:db8::1", int64(60), "x", int64(-1), "", "", "us-east-1", int64(-50), false)
	f.Add("l", "A", "192.0.2.9", int64(60), "l", int64(-1), "", "", "eu-west-1", int64(0), false)
	f.Fuzz(func(t *testing.T, name, typ, value string, ttl int64, setID string, weight int64,
		country, sub, region string, bias int64, multi bool) {
		_, r := newService(t, 1)
		z := newZone(t, r, "example.com")
		if name != "@" {
			name += ".example.com"
		} else {
			name = "example.com"
		}
		rs := ResourceRecordSet{Name: name, Type: typ, TTL: ttl, SetIdentifier: setID,
			ResourceRecords: []string{value}, MultiValueAnswer: multi}
		switch {
		case weight >= 0:
			rs.Weight = Weight(weight)
		case country != "" || sub != "":
			rs.GeoLocation = &GeoLocation{CountryCode: country, SubdivisionCode: sub}
		case bias != 0:
			rs.GeoProximityLocation = &GeoProximityLocation{AWSRegion: region, Bias: bias}
		case region != "":
			rs.Region = region
		}
		_, err := r.ChangeResourceRecordSets(z.ID(), []Change{{Action: "CREATE", ResourceRecordSet: rs}})
		if err != nil {
			if !errors.Is(err, ErrInvalidChangeBatch) && !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			if n := z.ResourceRecordSetCount(); n != 2 {
				t.Fatalf("rejected batch left %d record sets", n)
			}
			return
		}
		if qt, ok := dns.StringToType[typ]; ok {
			r.Query(name, qt, Source{Country: country, Subdivision: sub})
		}
	})
}
