package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

func TestReachabilityTable(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, run(&a, 42))
	require.NoError(t, run(&b, 42))
	require.Equal(t, a.String(), b.String(), "same seed, same output")

	golden := filepath.Join("testdata", "output.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, a.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), a.String(), "rerun with -update after an intended change")

	before, after, ok := strings.Cut(a.String(), "After:")
	require.True(t, ok)
	row := func(table, name string) string {
		for _, l := range strings.Split(table, "\n") {
			if strings.HasPrefix(l, name) {
				return l
			}
		}
		t.Fatalf("no row %q", name)
		return ""
	}
	// The mistake drops the replies, not the requests.
	assert.Contains(t, row(before, "web -> app :8080"), "NetworkAclDeny (reply)")
	assert.Contains(t, row(before, "app -> internet :443"), "NetworkAclDeny (reply)")
	// The fix lets them back; what should stay blocked stays blocked.
	assert.Contains(t, row(after, "web -> app :8080"), "ACCEPT")
	assert.Contains(t, row(after, "app -> internet :443"), "ACCEPT")
	assert.Contains(t, row(after, "client -> web :22"), "SecurityGroupNoMatch")
	assert.Contains(t, row(after, "client -> NAT :8080"), "NatGatewayInbound")
	assert.Contains(t, a.String(), "return nacl-out")
}
