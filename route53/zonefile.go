package route53

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/miekg/dns"
)

// maxZoneFileRecords bounds an import (a zone holds 10,000 record sets;
// $GENERATE could otherwise expand without limit).
const maxZoneFileRecords = 10000

// ImportZoneFile reads a BIND zone file (parsed by miekg/dns, with $ORIGIN
// defaulting to the zone name and $INCLUDE refused) and applies its record
// sets as one atomic batch of UPSERTs, as the console's import does: the
// SOA and the apex NS records are skipped (Route 53 keeps its own),
// records of one name and type become one record set, and they must share
// a TTL. It returns the number of record sets imported.
func (r *Route53) ImportZoneFile(zoneID string, in io.Reader) (int, error) {
	z, ok := r.zones[zoneID]
	if !ok {
		return 0, fmt.Errorf("route53: hosted zone %s: %w", zoneID, ErrNoSuchHostedZone)
	}
	if p := nilProblem("reader", in); p != "" {
		return 0, fmt.Errorf("route53: hosted zone %s: import: %s: %w", zoneID, p, ErrInvalidConfig)
	}
	zp := dns.NewZoneParser(in, z.name, "")
	zp.SetIncludeAllowed(false)
	type key struct {
		name string
		t    uint16
	}
	var order []key
	sets := map[key]*ResourceRecordSet{}
	records := 0
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		name, err := CanonicalName(h.Name)
		if err != nil {
			return 0, fmt.Errorf("route53: zone file for %s: %w: %w", z.name, ErrZoneFile, err)
		}
		typ, ok := dns.TypeToString[h.Rrtype]
		if _, supported := supportedTypes[typ]; !ok || !supported || h.Class != dns.ClassINET {
			return 0, fmt.Errorf("route53: zone file for %s: record %s type %s class %s is not supported: %w", z.name, name, dns.TypeToString[h.Rrtype], dns.ClassToString[h.Class], ErrZoneFile)
		}
		if h.Rrtype == dns.TypeSOA || (h.Rrtype == dns.TypeNS && name == z.name) {
			continue
		}
		k := key{name, h.Rrtype}
		s := sets[k]
		if s == nil {
			s = &ResourceRecordSet{Name: name, Type: typ, TTL: int64(h.Ttl)}
			sets[k] = s
			order = append(order, k)
		} else if s.TTL != int64(h.Ttl) {
			return 0, fmt.Errorf("route53: zone file for %s: record set [name='%s', type='%s'] has TTLs %d and %d: %w", z.name, name, typ, s.TTL, h.Ttl, ErrZoneFile)
		}
		s.ResourceRecords = append(s.ResourceRecords, strings.TrimPrefix(rr.String(), h.String()))
		if records++; records > maxZoneFileRecords {
			return 0, fmt.Errorf("route53: zone file for %s: more than %d records: %w", z.name, maxZoneFileRecords, ErrZoneFile)
		}
	}
	if err := zp.Err(); err != nil {
		return 0, fmt.Errorf("route53: zone file for %s: %w: %w", z.name, ErrZoneFile, err)
	}
	if len(order) == 0 {
		return 0, nil
	}
	changes := make([]Change, len(order))
	for i, k := range order {
		changes[i] = Change{Action: "UPSERT", ResourceRecordSet: *sets[k]}
	}
	if _, err := r.ChangeResourceRecordSets(zoneID, changes); err != nil {
		return 0, fmt.Errorf("route53: zone file for %s: %w: %w", z.name, ErrZoneFile, err)
	}
	return len(order), nil
}

// ExportZoneFile writes the zone as a BIND zone file: $ORIGIN, then every
// record in ResourceRecordSets order. BIND has no routing policies or
// aliases, so records with a SetIdentifier are written with a comment
// naming it, and alias records as comments only.
func (r *Route53) ExportZoneFile(zoneID string, out io.Writer) error {
	z, ok := r.zones[zoneID]
	if !ok {
		return fmt.Errorf("route53: hosted zone %s: %w", zoneID, ErrNoSuchHostedZone)
	}
	if p := nilProblem("writer", out); p != "" {
		return fmt.Errorf("route53: hosted zone %s: export: %s: %w", zoneID, p, ErrInvalidConfig)
	}
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "$ORIGIN %s\n", z.name)
	for _, spec := range z.ResourceRecordSets() {
		if a := spec.AliasTarget; a != nil {
			fmt.Fprintf(w, "; ALIAS %s %s -> %s evaluate-target-health=%t", spec.Name, spec.Type, a.DNSName, a.EvaluateTargetHealth)
			if spec.SetIdentifier != "" {
				fmt.Fprintf(w, " set-identifier=%s", spec.SetIdentifier)
			}
			w.WriteString("\n")
			continue
		}
		for _, v := range spec.ResourceRecords {
			fmt.Fprintf(w, "%s\t%d\tIN\t%s\t%s", spec.Name, spec.TTL, spec.Type, v)
			if spec.SetIdentifier != "" {
				fmt.Fprintf(w, " ; set-identifier=%s", spec.SetIdentifier)
			}
			w.WriteString("\n")
		}
	}
	return w.Flush()
}
