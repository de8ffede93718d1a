package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/storage/artifact"
)

// artifactDigest reads and checks the {sha256} path segment.
func (s *Server) artifactDigest(r *http.Request) (string, error) {
	d := r.PathValue("sha256")
	if !protocol.ValidDigest(d) {
		return "", errorf(http.StatusBadRequest, "httpapi: artifact %q is not a lower-case hex sha256", d)
	}
	if s.cfg.Artifacts == nil {
		return "", errorf(http.StatusNotFound, "httpapi: this nimbus keeps no artifacts")
	}
	return d, nil
}

// getArtifact streams a stored program. Any nimbus serves what it holds,
// leader or not: supervisors and standbys fetch from whoever has it.
func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	d, err := s.artifactDigest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, size, err := s.cfg.Artifacts.Open(d)
	if errors.Is(err, artifact.ErrNotFound) {
		s.writeError(w, r, errorf(http.StatusNotFound, "httpapi: artifact %s is not on this nimbus", d))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("ETag", `"`+d+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		s.cfg.Logger.Warn("httpapi: artifact download broken off", "artifact", d, "error", err)
	}
}

// putArtifact stores an uploaded program under its digest, after checking
// the bytes hash to it. A program already held is not read again.
func (s *Server) putArtifact(w http.ResponseWriter, r *http.Request) (any, error) {
	d, err := s.artifactDigest(r)
	if err != nil {
		return nil, err
	}
	if rc, size, err := s.cfg.Artifacts.Open(d); err == nil {
		rc.Close()
		return ArtifactInfo{Artifact: d, SizeBytes: size}, nil
	}
	limit := min(s.cfg.UploadBytesMax, s.cfg.Artifacts.MaxBytes())
	if r.ContentLength > limit {
		return nil, errorf(http.StatusRequestEntityTooLarge,
			"httpapi: artifact of %d bytes is larger than the limit of %d", r.ContentLength, limit)
	}
	body := &uploadReader{r: http.MaxBytesReader(w, r.Body, limit)}
	_, err = s.cfg.Artifacts.Put(body, d)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(body.err, &tooLarge) || errors.Is(err, artifact.ErrTooLarge):
		return nil, errorf(http.StatusRequestEntityTooLarge, "httpapi: artifact larger than the limit of %d bytes", limit)
	case body.err != nil:
		return nil, errorf(http.StatusBadRequest, "httpapi: reading the upload: %v", body.err)
	case errors.Is(err, artifact.ErrDigestMismatch):
		return nil, errorf(http.StatusUnprocessableEntity, "httpapi: upload refused: %v", err)
	case err != nil:
		return nil, err // the disk's fault: 500
	}
	s.cfg.Logger.Info("httpapi: artifact stored", "artifact", d)
	rc, size, err := s.cfg.Artifacts.Open(d) // for the answer; also proves it is readable
	if err != nil {
		return nil, err
	}
	rc.Close()
	return created{ArtifactInfo{Artifact: d, SizeBytes: size, Created: true}}, nil
}

// uploadReader remembers the body's read error, to tell the client's fault
// (a broken or oversized upload) from the disk's.
type uploadReader struct {
	r   io.Reader
	err error
}

func (u *uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		u.err = err
	}
	return n, err
}
