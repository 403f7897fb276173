package s3

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/sim"
)

func TestLifecycleValidation(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "rules")
	ok := []LifecycleRule{
		{ID: "waterfall", Transitions: []Transition{{30, StandardIA}, {90, Glacier}}, Expiration: &Expiration{Days: 365}},
		{ID: "deep", Transitions: []Transition{{0, DeepArchive}}},
		{ID: "int", Transitions: []Transition{{0, IntelligentTiering}, {60, GlacierIR}}},
		{ID: "markers", Expiration: &Expiration{ExpiredObjectDeleteMarker: true}, NoncurrentVersionExpiration: &NoncurrentExpiration{Days: 7}},
		{ID: "mpu", AbortIncompleteMultipartUploadDays: 7},
	}
	require.NoError(t, b.PutBucketLifecycleConfiguration(ok))
	assert.Len(t, b.LifecycleRules(), 5)
	for _, r := range []LifecycleRule{
		{ID: "none"},
		{ID: "to-standard", Transitions: []Transition{{30, Standard}}},
		{ID: "ia-too-early", Transitions: []Transition{{29, StandardIA}}},
		{ID: "ia-then-glacier-too-soon", Transitions: []Transition{{30, StandardIA}, {45, Glacier}}},
		{ID: "backwards", Transitions: []Transition{{30, Glacier}, {60, StandardIA}}},
		{ID: "int-to-ia", Transitions: []Transition{{0, IntelligentTiering}, {40, StandardIA}}},
		{ID: "zia-to-gir", Transitions: []Transition{{30, OneZoneIA}, {60, GlacierIR}}},
		{ID: "out-of-deep", Transitions: []Transition{{10, DeepArchive}, {200, Glacier}}},
		{ID: "same-day", Transitions: []Transition{{90, GlacierIR}, {90, Glacier}}},
		{ID: "expire-before-transition", Transitions: []Transition{{90, Glacier}}, Expiration: &Expiration{Days: 60}},
		{ID: "marker-and-days", Expiration: &Expiration{Days: 3, ExpiredObjectDeleteMarker: true}},
		{ID: "noncurrent-ia", NoncurrentVersionTransitions: []Transition{{10, StandardIA}}},
		{ID: "mpu-with-tags", AbortIncompleteMultipartUploadDays: 1, Filter: LifecycleFilter{Tags: map[string]string{"a": "b"}}},
		{ID: "sizes", Expiration: &Expiration{Days: 1}, Filter: LifecycleFilter{ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 5}},
	} {
		err := b.PutBucketLifecycleConfiguration([]LifecycleRule{r})
		require.ErrorIs(t, err, ErrInvalidConfig, r.ID)
		assert.Contains(t, err.Error(), r.ID)
	}
	require.ErrorIs(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{ok[0], ok[0]}), ErrInvalidConfig)
	assert.Len(t, b.LifecycleRules(), 5, "a rejected configuration leaves the old one")
}

// TestLifecycleYearBill runs a year of the rule Standard → Standard-IA at
// 30 days → Glacier Flexible Retrieval at 90 → expire at 365 on a growing
// dataset (100 objects at the start, 4 more every day at noon), with some
// objects deleted early in Standard-IA and in Glacier, and compares the
// ledger with a per-object hand computation: S3 rounds each due date up
// to the next midnight UTC; storage is billed per GB-month of 730 hours;
// IA objects bill at least 128 KiB; Glacier bills 32 KiB extra at its rate
// and 8 KiB at the Standard rate; leaving a class before its minimum
// duration bills the remainder.
func TestLifecycleYearBill(t *testing.T) {
	ledger := billing.NewLedger()
	s := sim.New(sim.Config{Seed: 3})
	svc, err := New(s, Config{Billing: ledger})
	require.NoError(t, err)
	b, err := svc.CreateBucket(BucketConfig{Name: "archive", Tags: map[string]string{"team": "data"}})
	require.NoError(t, err)
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{
		ID: "waterfall", Filter: LifecycleFilter{Prefix: "data/"},
		Transitions: []Transition{{30, StandardIA}, {90, Glacier}}, Expiration: &Expiration{Days: 365},
	}}))

	const size = 1 << 20 // 1 MiB
	const horizon = 365 * day
	type object struct {
		key      string
		created  sim.Time
		deleteAt sim.Time // 0 = never
	}
	var objs []object
	for i := range 100 {
		objs = append(objs, object{key: fmt.Sprintf("data/seed-%03d", i)})
	}
	for d := range 365 {
		for i := range 4 {
			o := object{key: fmt.Sprintf("data/%03d-%d", d, i), created: sim.Time(time.Duration(d)*day + 12*time.Hour)}
			switch {
			case d%10 == 0 && i == 0: // deleted 9.5 days into Glacier
				o.deleteAt = o.created.Add(100 * day)
			case d%10 == 5 && i == 1: // deleted 9.5 days into Standard-IA
				o.deleteAt = o.created.Add(40 * day)
			}
			objs = append(objs, o)
		}
	}
	for _, o := range objs {
		s.Schedule(o.created, func() {
			_, err := b.PutObject(o.key, PutObjectInput{Size: size})
			require.NoError(t, err)
		})
		if o.deleteAt > 0 && o.deleteAt < sim.Time(horizon) {
			s.Schedule(o.deleteAt, func() {
				_, err := b.DeleteObject(o.key, "")
				require.NoError(t, err)
			})
		}
	}
	s.RunUntil(sim.Time(horizon))
	svc.Flush()

	// The hand computation.
	p := DefaultPrices()
	gbMonths := func(bytes float64, d time.Duration) float64 { return bytes / (1 << 30) * d.Hours() / 730 }
	midnight := func(t sim.Time) sim.Time { return (t + sim.Time(day) - 1) / sim.Time(day) * sim.Time(day) }
	want := map[string]float64{}
	end := sim.Time(horizon)
	span := func(from, to sim.Time) time.Duration {
		from, to = max(from, 0), min(to, end)
		if to <= from {
			return 0
		}
		return to.Sub(from)
	}
	var iaBytes, glacierBytes float64 = max(size, 128<<10), size + 32<<10
	for _, o := range objs {
		toIA := midnight(o.created.Add(30 * day))
		toGlacier := midnight(o.created.Add(90 * day))
		expire := midnight(o.created.Add(365 * day))
		gone := expire
		if o.deleteAt > 0 {
			gone = min(gone, o.deleteAt)
		}
		want["Requests-Tier1"] += p.Classes[Standard].Tier1Per1000 / 1000
		want["TimedStorage-ByteHrs"] += gbMonths(size, span(o.created, min(toIA, gone))) * p.Classes[Standard].StorageGBMonth
		want["TimedStorage-SIA-ByteHrs"] += gbMonths(iaBytes, span(toIA, min(toGlacier, gone))) * p.Classes[StandardIA].StorageGBMonth
		want["TimedStorage-GlacierByteHrs"] += gbMonths(glacierBytes, span(toGlacier, gone)) * p.Classes[Glacier].StorageGBMonth
		want["TimedStorage-ByteHrs"] += gbMonths(8<<10, span(toGlacier, gone)) * p.Classes[Standard].StorageGBMonth
		if toIA <= end && toIA < gone {
			want["Requests-SIA-Tier1"] += p.Classes[StandardIA].Tier1Per1000 / 1000
		}
		if toGlacier <= end && toGlacier < gone {
			want["Requests-GLACIER-Tier1"] += p.Classes[Glacier].Tier1Per1000 / 1000
		}
		if o.deleteAt > 0 && o.deleteAt < end {
			switch {
			case o.deleteAt >= toGlacier:
				want["EarlyDelete-ByteHrs"] += gbMonths(glacierBytes, 90*day-o.deleteAt.Sub(toGlacier)) * p.Classes[Glacier].StorageGBMonth
			case o.deleteAt >= toIA:
				want["EarlyDelete-SIA"] += gbMonths(iaBytes, 30*day-o.deleteAt.Sub(toIA)) * p.Classes[StandardIA].StorageGBMonth
			}
		}
	}
	got := costBy(ledger)
	require.Len(t, got, len(want), "usage types: %v", got)
	total, wantTotal := 0.0, 0.0
	for usage, w := range want {
		assert.InEpsilon(t, w, got[usage], 1e-9, usage)
		total += got[usage]
		wantTotal += w
	}
	assert.Positive(t, want["EarlyDelete-SIA"])
	assert.Positive(t, want["EarlyDelete-ByteHrs"])
	t.Logf("year bill $%.4f: %v", total, got)

	// The seed objects expired at the last midnight; every line is tagged.
	_, err = b.HeadObject("data/seed-000", GetObjectInput{})
	require.ErrorIs(t, err, ErrNoSuchKey)
	for _, li := range ledger.Items() {
		require.Equal(t, "data", li.Tags["team"])
		require.Equal(t, "AmazonS3", li.Service)
	}
	// 4 objects a day for 365 days, minus 73 deleted early (those deleted
	// in Glacier after the horizon are still there).
	deleted := 0
	for _, o := range objs {
		if o.deleteAt > 0 && o.deleteAt < end {
			deleted++
		}
	}
	assert.Equal(t, int64(4*365-deleted), b.ObjectCount())
	assert.Less(t, math.Abs(total-wantTotal), 1e-9)
}

// TestNoncurrentAndMarkers: noncurrent versions expire after their
// noncurrent days; a delete marker left alone is removed.
func TestNoncurrentAndMarkers(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "history")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{
		ID: "tidy", Expiration: &Expiration{ExpiredObjectDeleteMarker: true},
		NoncurrentVersionExpiration: &NoncurrentExpiration{Days: 10, NewerNoncurrentVersions: 1},
	}}))
	putKeys(t, b, "doc", "doc", "doc") // two noncurrent versions
	_, err := b.DeleteObject("gone", "")
	require.NoError(t, err) // a marker with nothing behind it
	putKeys(t, b, "old")
	_, err = b.DeleteObject("old", "")
	require.NoError(t, err)
	s.RunFor(12 * day)
	assert.Len(t, versionsOf(t, b, "doc"), 2, "the newest noncurrent version is kept")
	assert.Empty(t, versionsOf(t, b, "gone"), "expired object delete marker removed")
	vs := versionsOf(t, b, "old")
	require.Len(t, vs, 2, "the only noncurrent version is within NewerNoncurrentVersions")
	assert.True(t, vs[0].DeleteMarker)
}

func TestLifecycleCurrentExpirationVersioned(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "expire-versioned")
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{ID: "e", Expiration: &Expiration{Days: 1}}}))
	putKeys(t, b, "k")
	s.RunFor(2 * day)
	vs := versionsOf(t, b, "k")
	require.Len(t, vs, 2)
	assert.True(t, vs[0].DeleteMarker, "expiring a current version adds a delete marker")
	assert.False(t, vs[1].DeleteMarker)
}

func TestAbortIncompleteUploads(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "uploads")
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{ID: "mpu", AbortIncompleteMultipartUploadDays: 7, Filter: LifecycleFilter{Prefix: "tmp/"}}}))
	id, _ := b.CreateMultipartUpload("tmp/a", PutObjectInput{})
	_, err := b.UploadPart("tmp/a", id, 1, MinPartSize)
	require.NoError(t, err)
	_, _ = b.CreateMultipartUpload("keep/a", PutObjectInput{})
	s.RunFor(7*day - 1)
	assert.Len(t, b.ListMultipartUploads(), 2)
	s.RunFor(1)
	ups := b.ListMultipartUploads()
	require.Len(t, ups, 1)
	assert.Equal(t, "keep/a", ups[0].Key)
	assert.Zero(t, b.use.actual[mStandard], "aborted parts stop billing")
}

// TestSmallObjectsStay: since September 2024 lifecycle leaves objects under
// 128 KiB alone unless the rule filters by size.
func TestSmallObjectsStay(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "small")
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{{ID: "g", Transitions: []Transition{{1, Glacier}}}}))
	_, _ = b.PutObject("tiny", PutObjectInput{Size: 1000})
	_, _ = b.PutObject("big", PutObjectInput{Size: 1 << 20})
	s.RunFor(3 * day)
	tiny, _ := b.HeadObject("tiny", GetObjectInput{})
	big, _ := b.HeadObject("big", GetObjectInput{})
	assert.Equal(t, Standard, tiny.StorageClass)
	assert.Equal(t, Glacier, big.StorageClass)
}

// TestHugeDaysNeverDue: a rule whose Days would overflow virtual time when
// added to the creation instant must not fire at once.
func TestHugeDaysNeverDue(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "forever")
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{
		{ID: "x", Expiration: &Expiration{Days: 1 << 40}},
		{ID: "g", Transitions: []Transition{{1 << 41, Glacier}}},
		{ID: "a", AbortIncompleteMultipartUploadDays: 1 << 42},
	}))
	_, err := b.PutObject("k", PutObjectInput{Size: 1 << 20})
	require.NoError(t, err)
	_, err = b.CreateMultipartUpload("u", PutObjectInput{})
	require.NoError(t, err)
	s.RunFor(3 * day)
	o, err := b.HeadObject("k", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, Standard, o.StorageClass)
	assert.Len(t, b.ListMultipartUploads(), 1)
}

func TestIntelligentTiering(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "auto")
	b.cfg.IntelligentTiering = IntelligentTieringConfig{ArchiveAccessDays: 120}
	_, _ = b.PutObject("k", PutObjectInput{Size: 1 << 20, StorageClass: IntelligentTiering})
	_, _ = b.PutObject("small", PutObjectInput{Size: 1 << 10, StorageClass: IntelligentTiering})
	tier := func(k string) Tier { o, _ := b.HeadObject(k, GetObjectInput{}); return o.Tier }
	s.RunFor(29 * day)
	assert.Equal(t, TierFrequent, tier("k"))
	s.RunFor(2 * day)
	assert.Equal(t, TierInfrequent, tier("k"))
	_, err := b.GetObject("k", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, TierFrequent, tier("k"), "access moves it back")
	s.RunFor(91 * day)
	assert.Equal(t, TierArchiveInstant, tier("k"))
	s.RunFor(30 * day)
	assert.Equal(t, TierArchive, tier("k"))
	assert.Equal(t, TierFrequent, tier("small"), "objects under 128 KiB are not monitored")
	_, err = b.GetObject("k", GetObjectInput{})
	require.ErrorIs(t, err, ErrInvalidObjectState)
	require.NoError(t, b.RestoreObject("k", RestoreInput{Tier: RestoreBulk}))
	s.RunFor(12 * time.Hour)
	assert.Equal(t, TierFrequent, tier("k"))
	_, err = b.GetObject("k", GetObjectInput{})
	require.NoError(t, err)
}

// TestRestore: a Standard-tier restore from Glacier takes 3–5 hours; the
// restored copy is readable and billed until midnight after Days.
func TestRestore(t *testing.T) {
	ledger := billing.NewLedger()
	s := sim.New(sim.Config{Seed: 9})
	svc, _ := New(s, Config{Billing: ledger})
	b, _ := svc.CreateBucket(BucketConfig{Name: "vault"})
	_, _ = b.PutObject("tape", PutObjectInput{Size: 1 << 30, StorageClass: Glacier})
	_, err := b.GetObject("tape", GetObjectInput{})
	require.ErrorIs(t, err, ErrInvalidObjectState)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 403, e.Status)

	require.ErrorIs(t, b.RestoreObject("tape", RestoreInput{Days: 0}), ErrInvalidArgument)
	require.ErrorIs(t, b.RestoreObject("tape", RestoreInput{Days: 1 << 40}), ErrInvalidArgument, "the expiry would overflow")
	require.NoError(t, b.RestoreObject("tape", RestoreInput{Days: 2, Tier: RestoreStandard}))
	require.ErrorIs(t, b.RestoreObject("tape", RestoreInput{Days: 2}), ErrRestoreInProgress)
	head, _ := b.HeadObject("tape", GetObjectInput{})
	assert.Equal(t, `ongoing-request="true"`, head.Restore)
	s.RunFor(3 * time.Hour)
	_, err = b.GetObject("tape", GetObjectInput{})
	require.ErrorIs(t, err, ErrInvalidObjectState, "not before 3 hours")
	s.RunFor(2 * time.Hour)
	got, err := b.GetObject("tape", GetObjectInput{})
	require.NoError(t, err, "done within 5 hours")
	assert.Contains(t, got.Restore, `ongoing-request="false", expiry-date="Sun, 04 Jan 2026 00:00:00 GMT"`)
	s.RunUntil(sim.Time(3*day) - 1)
	_, err = b.GetObject("tape", GetObjectInput{})
	require.NoError(t, err, "two days after completion, rounded up to midnight (Jan 4 = day 3)")
	s.RunUntil(sim.Time(3 * day))
	_, err = b.GetObject("tape", GetObjectInput{})
	require.ErrorIs(t, err, ErrInvalidObjectState, "the copy expired")
	assert.Zero(t, b.use.billable[mRestored])
	svc.Flush()
	got2 := costBy(ledger)
	assert.InDelta(t, 0.01, got2["Restore-GLACIER-Standard-Bytes"], 1e-12, "1 GB at $0.01")
	assert.InDelta(t, 0.05/1000, got2["Restore-GLACIER-Standard-Requests"], 1e-12)
	assert.Positive(t, got2["TimedStorage-ByteHrs"], "the restored copy bills at the Standard rate")

	require.ErrorIs(t, b.RestoreObject("missing", RestoreInput{Days: 1}), ErrNoSuchKey)
	_, _ = b.PutObject("warm", PutObjectInput{Size: 1})
	require.ErrorIs(t, b.RestoreObject("warm", RestoreInput{Days: 1}), ErrInvalidObjectState)
	_, _ = b.PutObject("deep", PutObjectInput{Size: 1, StorageClass: DeepArchive})
	require.ErrorIs(t, b.RestoreObject("deep", RestoreInput{Days: 1, Tier: RestoreExpedited}), ErrInvalidArgument)
}

// TestDestroyAZ: One Zone-IA data in the destroyed zone is lost; other
// classes, and One Zone-IA in other zones, survive.
func TestDestroyAZ(t *testing.T) {
	_, svc, b := newTestBucket(t, Config{}, "zonal")
	other, err := svc.CreateBucket(BucketConfig{Name: "zonal-b", OneZoneAZ: "us-east-1b"})
	require.NoError(t, err)
	require.NoError(t, b.PutBucketVersioning(VersioningEnabled))
	for _, bk := range []*Bucket{b, other} {
		_, _ = bk.PutObject("oz", PutObjectInput{Size: 10, StorageClass: OneZoneIA})
		_, _ = bk.PutObject("std", PutObjectInput{Size: 10})
	}
	_, _ = b.PutObject("oz", PutObjectInput{Size: 20, StorageClass: OneZoneIA})
	_, _ = b.PutObject("mixed", PutObjectInput{Size: 5})
	_, _ = b.PutObject("mixed", PutObjectInput{Size: 6, StorageClass: OneZoneIA})
	assert.Equal(t, 3, svc.DestroyAZ("us-east-1a"))
	_, err = b.GetObject("oz", GetObjectInput{})
	require.ErrorIs(t, err, ErrNoSuchKey)
	got, err := b.GetObject("mixed", GetObjectInput{})
	require.NoError(t, err)
	assert.Equal(t, int64(5), got.Size, "the older Standard version is current again")
	_, err = b.GetObject("std", GetObjectInput{})
	require.NoError(t, err)
	_, err = other.GetObject("oz", GetObjectInput{})
	require.NoError(t, err)
	assert.Zero(t, b.use.actual[mZIA])
}

// TestLifecycleFilters: rules select by prefix, by tags (all must match)
// and by size.
func TestLifecycleFilters(t *testing.T) {
	s, _, b := newTestBucket(t, Config{}, "filters")
	require.NoError(t, b.PutBucketLifecycleConfiguration([]LifecycleRule{
		{ID: "tagged", Filter: LifecycleFilter{Tags: map[string]string{"tier": "cold", "team": "a"}}, Transitions: []Transition{{1, DeepArchive}}},
		{ID: "logs", Filter: LifecycleFilter{Prefix: "logs/"}, Expiration: &Expiration{Days: 2}},
		{ID: "big", Filter: LifecycleFilter{ObjectSizeGreaterThan: 10 << 20}, Transitions: []Transition{{1, GlacierIR}}},
	}))
	const mib = 1 << 20
	put := func(k string, size int64, tags map[string]string) {
		_, err := b.PutObject(k, PutObjectInput{Size: size, Tags: tags})
		require.NoError(t, err)
	}
	put("a", mib, map[string]string{"tier": "cold", "team": "a"})
	put("b", mib, map[string]string{"tier": "cold"})
	put("logs/x", mib, nil)
	put("huge", 20*mib, nil)
	put("mid", 5*mib, nil)
	s.RunFor(3 * day)
	class := func(k string) StorageClass {
		o, err := b.HeadObject(k, GetObjectInput{})
		require.NoError(t, err)
		return o.StorageClass
	}
	assert.Equal(t, DeepArchive, class("a"))
	assert.Equal(t, Standard, class("b"), "one tag of two does not match")
	assert.Equal(t, GlacierIR, class("huge"))
	assert.Equal(t, Standard, class("mid"))
	_, err := b.HeadObject("logs/x", GetObjectInput{})
	require.ErrorIs(t, err, ErrNoSuchKey)
}
