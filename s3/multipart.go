package s3

import (
	"crypto/md5"
	"sort"

	"github.com/nimbus-sim/nimbus/sim"
)

// upload is an incomplete multipart upload; its parts are billed as
// storage in the upload's class until it completes or is aborted.
type upload struct {
	key       string
	initiated sim.Time
	in        PutObjectInput
	parts     map[int]part
}

type part struct {
	size int64
	etag [md5.Size]byte
}

// CompletedPart names one uploaded part in CompleteMultipartUpload.
type CompletedPart struct {
	PartNumber int    // 1..MaxParts
	ETag       string // the part's ETag from UploadPart ("" = not checked)
}

// Upload describes an incomplete multipart upload.
type Upload struct {
	Key       string   // object key
	UploadID  string   // ID from CreateMultipartUpload
	Initiated sim.Time // when the upload was created
	Parts     int      // parts uploaded so far
	Bytes     int64    // bytes uploaded so far
}

// CreateMultipartUpload starts a multipart upload and returns its ID; the
// input's Size is ignored (parts determine it).
func (b *Bucket) CreateMultipartUpload(key string, in PutObjectInput) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	if in.StorageClass >= numClasses {
		return "", ErrInvalidStorageClass.at(b.cfg.Name + "/" + key)
	}
	b.use.requests[in.StorageClass][0]++
	id := b.svc.token(64)
	b.uploads[id] = &upload{key: key, initiated: b.svc.s.Now(), in: in, parts: map[int]part{}}
	return id, nil
}

func (b *Bucket) upload(key, id string) (*upload, *Error) {
	u, ok := b.uploads[id]
	if !ok || u.key != key {
		return nil, ErrNoSuchUpload.at(b.cfg.Name + "/" + key)
	}
	return u, nil
}

// UploadPart stores part number n (1..MaxParts, at most MaxPartSize bytes)
// and returns its ETag; re-uploading a number replaces the part.
func (b *Bucket) UploadPart(key, uploadID string, n int, size int64) (string, error) {
	u, err := b.upload(key, uploadID)
	if err != nil {
		return "", err
	}
	switch {
	case n < 1 || n > MaxParts:
		return "", ErrInvalidArgument.withMessage("part number %d not in 1..%d", n, MaxParts).at(b.cfg.Name + "/" + key)
	case size < 0:
		return "", ErrInvalidArgument.withMessage("negative part size %d", size).at(b.cfg.Name + "/" + key)
	case size > MaxPartSize:
		return "", ErrEntityTooLarge.at(b.cfg.Name + "/" + key)
	}
	b.use.requests[u.in.StorageClass][0]++
	m := classMeter[u.in.StorageClass]
	b.accrue(b.svc.s.Now())
	if old, ok := u.parts[n]; ok {
		b.addMeter(m, -old.size, -old.size)
	}
	b.nextID++
	p := part{size: size, etag: contentETag(b.cfg.Name, key, b.nextID, size)}
	u.parts[n] = p
	b.addMeter(m, size, size)
	v := version{etag: p.etag}
	return v.ETag(), nil
}

// CompleteMultipartUpload assembles the listed parts into an object whose
// ETag is the MD5 of the parts' MD5s with a "-N" suffix. Errors:
// InvalidPartOrder (numbers not ascending), InvalidPart (missing part or
// ETag mismatch), EntityTooSmall (a part other than the last under
// MinPartSize), EntityTooLarge (above MaxObjectSize), NoSuchUpload.
func (b *Bucket) CompleteMultipartUpload(key, uploadID string, parts []CompletedPart) (PutObjectOutput, error) {
	u, err := b.upload(key, uploadID)
	if err != nil {
		return PutObjectOutput{}, err
	}
	res := b.cfg.Name + "/" + key
	if len(parts) == 0 {
		return PutObjectOutput{}, ErrInvalidRequest.withMessage("you must specify at least one part").at(res)
	}
	var total int64
	h := md5.New()
	for i, cp := range parts {
		if i > 0 && cp.PartNumber <= parts[i-1].PartNumber {
			return PutObjectOutput{}, ErrInvalidPartOrder.at(res)
		}
		p, ok := u.parts[cp.PartNumber]
		if !ok || (cp.ETag != "" && cp.ETag != (&version{etag: p.etag}).ETag()) {
			return PutObjectOutput{}, ErrInvalidPart.withMessage("part %d", cp.PartNumber).at(res)
		}
		if i < len(parts)-1 && p.size < MinPartSize {
			return PutObjectOutput{}, ErrEntityTooSmall.withMessage("part %d is %d bytes < 5 MiB", cp.PartNumber, p.size).at(res)
		}
		total += p.size
		h.Write(p.etag[:])
	}
	if total > MaxObjectSize {
		return PutObjectOutput{}, ErrEntityTooLarge.at(res)
	}
	b.release(uploadID, u)
	b.use.requests[u.in.StorageClass][0]++
	v := b.newVersion(key, total, u.in.StorageClass, uint16(len(parts)))
	v.x = u.in.extra()
	h.Sum(v.etag[:0])
	return b.write(key, v), nil
}

// AbortMultipartUpload discards an upload and its parts.
func (b *Bucket) AbortMultipartUpload(key, uploadID string) error {
	u, err := b.upload(key, uploadID)
	if err != nil {
		return err
	}
	b.release(uploadID, u)
	return nil
}

// release forgets an upload and stops billing its parts.
func (b *Bucket) release(id string, u *upload) {
	b.accrue(b.svc.s.Now())
	m := classMeter[u.in.StorageClass]
	for _, p := range u.parts {
		b.addMeter(m, -p.size, -p.size)
	}
	delete(b.uploads, id)
}

// ListMultipartUploads returns the incomplete uploads, by key then ID.
func (b *Bucket) ListMultipartUploads() []Upload {
	out := make([]Upload, 0, len(b.uploads))
	for id, u := range b.uploads {
		up := Upload{Key: u.key, UploadID: id, Initiated: u.initiated, Parts: len(u.parts)}
		for _, p := range u.parts {
			up.Bytes += p.size
		}
		out = append(out, up)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].UploadID < out[j].UploadID
	})
	return out
}
