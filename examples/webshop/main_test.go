package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// short is a two-hour day with both events inside it: the flash sale at
// 0:30 for 20 minutes and us-east-1a down from 1:00 to 1:20.
var short = []string{"-hours", "2", "-scale", "0.5", "-flash-hour", "0.5", "-flash-duration", "20m",
	"-fail-hour", "1", "-fail-duration", "20m", "-quiet"}

func runJSON(t *testing.T, args ...string) (Result, []byte) {
	t.Helper()
	var out, errOut bytes.Buffer
	require.NoError(t, run(append(append([]string{}, args...), "-json"), &out, &errOut), errOut.String())
	var r Result
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&r))
	return r, out.Bytes()
}

// TestAccounting checks that every request is accounted for and that the
// report's views agree with each other.
func TestAccounting(t *testing.T) {
	c, err := parse(append(append([]string{}, short...), "-no-files"), os.Stderr)
	require.NoError(t, err)
	sh, err := build(c)
	require.NoError(t, err)
	r := sh.simulate(c)
	// The simulator's own tally: every request sent through the run
	// (shoppers', CloudFront's to its origins, the application's to S3)
	// ended exactly once or is in flight.
	require.NoError(t, sh.s.Requests().Check())

	q := r.Requests
	require.Positive(t, q.Generated)
	assert.Equal(t, q.Generated, q.Completed+q.Failed+q.InFlight, "generated = completed + failed + in flight")
	assert.Zero(t, q.InFlight, "the run drains for %v after the last request", drain)
	assert.Equal(t, q.Generated, q.Static+q.Dynamic)

	var sent, answered, errs, causes uint64
	for _, h := range r.Hourly {
		sent += h.Requests
		answered += h.Answered
		errs += h.Errors
	}
	for _, e := range r.Errors {
		causes += e.Count
	}
	assert.Len(t, r.Hourly, 2)
	assert.Equal(t, q.Generated, sent, "hourly request counts sum to the total")
	assert.Equal(t, q.Completed+q.Failed, answered)
	assert.Equal(t, q.Errors, errs, "hourly errors sum to the total")
	assert.Equal(t, q.Errors, causes, "errors by cause sum to the total")
	assert.Equal(t, q.Generated, r.CDN.Requests, "every request resolves and reaches CloudFront")
	// Each page the application served read the catalogue once; a dynamic
	// request that failed may have failed before or after its read.
	assert.LessOrEqual(t, uint64(r.S3Reads), q.Dynamic)
	assert.GreaterOrEqual(t, uint64(r.S3Reads), q.Dynamic-q.Errors)

	var bySvc, byTag float64
	for _, x := range r.Cost.ByService {
		bySvc += x.USD
	}
	for _, x := range r.Cost.ByTag {
		byTag += x.USD
	}
	require.Positive(t, r.Cost.TotalUSD)
	assert.InDelta(t, r.Cost.TotalUSD, bySvc, 1e-9*r.Cost.TotalUSD, "cost by service sums to the total")
	assert.InDelta(t, r.Cost.TotalUSD, byTag, 1e-9*r.Cost.TotalUSD, "cost by tag sums to the total")
	for _, svc := range []string{"AWSELB", "AmazonCloudFront", "AmazonEC2", "AmazonRoute53", "AmazonS3", "AmazonVPC", "AmazonCloudWatch"} {
		assert.Contains(t, costKeys(r.Cost.ByService), svc, "every piece is billed")
	}

	// Behaviour: the flash sale makes the group scale out beyond MinSize,
	// and the AZ failure takes healthy capacity away.
	assert.Greater(t, r.Hourly[0].HealthyMax, 3, "scale-out during the flash sale")
	assert.Less(t, r.Hourly[1].HealthyMin, r.Hourly[1].HealthyMax)
	assert.Greater(t, r.Instances.Launched, 3)
}

func costKeys(cs []billing.Cost) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

// TestDeterminism: one seed, one run, byte for byte; another seed differs.
func TestDeterminism(t *testing.T) {
	args := append(append([]string{}, short...), "-no-files")
	_, a := runJSON(t, args...)
	_, b := runJSON(t, args...)
	assert.Equal(t, string(a), string(b))
	_, c := runJSON(t, append(args, "-seed", "2")...)
	assert.NotEqual(t, string(a), string(c))
}

// TestFixedFleet keeps three instances whatever the traffic: no scale-out in
// the flash sale, so more of it fails than with autoscaling.
func TestFixedFleet(t *testing.T) {
	fixed, _ := runJSON(t, append(append([]string{}, short...), "-no-files", "-fixed", "3", "-fail-hour", "-1")...)
	scaled, _ := runJSON(t, append(append([]string{}, short...), "-no-files", "-fail-hour", "-1")...)
	for _, h := range fixed.Hourly {
		assert.LessOrEqual(t, h.HealthyMax, 3)
	}
	assert.Greater(t, fixed.Requests.Errors, scaled.Requests.Errors)
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-hours", "0"}, {"-scale", "0"}, {"-trough", "30"}, {"-static-share", "1.5"}, {"-fail-az", "eu-west-1a"},
		{"-min", "5", "-max", "4"}, {"-health-check-type", "TCP"}, {"-flash-factor", "0.5"}, {"stray"},
	} {
		_, err := parse(args, &bytes.Buffer{})
		assert.Error(t, err, "%v", args)
	}
}

// TestReport writes the dashboard and the HTML report and checks the report
// is self-contained: its images are inline, nothing is fetched.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, run(append(append([]string{}, short...), "-out", dir), &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "generated =")
	assert.Contains(t, out.String(), "SLO")
	png, err := os.ReadFile(filepath.Join(dir, "dashboard.png"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	page := string(html)
	assert.Contains(t, page, `src="data:image/png;base64,`)
	assert.NotContains(t, page, `src="http`)
	assert.NotContains(t, page, `href="http`)
	assert.Contains(t, page, "Cost by service")
}

// TestReportInChromium opens the report in headless Chromium and checks the
// screenshot is a real rendering (skipped when Chromium is not installed).
func TestReportInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed")
	}
	dir := t.TempDir()
	require.NoError(t, run(append(append([]string{}, short...), "-out", dir), &bytes.Buffer{}, &bytes.Buffer{}))
	shot := filepath.Join(dir, "screenshot.png")
	report, err := filepath.Abs(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, "--window-size=1200,2000", "file://"+report)
	outp, err := cmd.CombinedOutput()
	require.NoError(t, err, string(outp))
	fi, err := os.Stat(shot)
	require.NoError(t, err)
	// A blank 1200×2000 page compresses to a few kilobytes; the dashboard's
	// charts and the tables make it far larger.
	assert.Greater(t, fi.Size(), int64(100_000))
	if keep := os.Getenv("WEBSHOP_SCREENSHOT"); keep != "" {
		b, _ := os.ReadFile(shot)
		require.NoError(t, os.WriteFile(keep, b, 0o644))
	}
}
