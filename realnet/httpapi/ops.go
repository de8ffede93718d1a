package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/squall/squall/core/protocol"
)

// change sends one lifecycle operation and answers the topology as nimbus
// left it.
func (s *Server) change(r *http.Request, req protocol.ClientRequest) (any, error) {
	reply, err := s.ask(r, req)
	if err != nil {
		return nil, err
	}
	out := Operation{Operation: req.Op, Status: "success"}
	if len(reply.Topologies) > 0 {
		out.Topology = newTopologySummary(reply.Topologies[0])
		out.TopologyID = out.Topology.ID
	}
	return out, nil
}

// simpleOp is activate or deactivate.
func (s *Server) simpleOp(op string) handler {
	return func(_ http.ResponseWriter, r *http.Request) (any, error) {
		return s.change(r, protocol.ClientRequest{Op: op, Topology: r.PathValue("id")})
	}
}

// parseWait reads the {wait} path segment: whole seconds, 0 to
// WaitSecondsMax; a route without it asks for the default wait (the
// topology's message timeout, as Storm's kill and rebalance without -w).
func parseWait(r *http.Request) (wait time.Duration, byDefault bool, err error) {
	text := r.PathValue("wait")
	if text == "" {
		return 0, true, nil
	}
	secs, err := strconv.Atoi(text)
	if err != nil || secs < 0 || secs > WaitSecondsMax {
		return 0, false, errorf(http.StatusBadRequest,
			"httpapi: wait %q: want whole seconds from 0 to %d", text, WaitSecondsMax)
	}
	return time.Duration(secs) * time.Second, false, nil
}

func (s *Server) kill(_ http.ResponseWriter, r *http.Request) (any, error) {
	wait, byDefault, err := parseWait(r)
	if err != nil {
		return nil, err
	}
	return s.change(r, protocol.ClientRequest{Op: protocol.OpKill, Topology: r.PathValue("id"), Wait: wait,
		DefaultWait: byDefault})
}

func (s *Server) rebalance(w http.ResponseWriter, r *http.Request) (any, error) {
	wait, byDefault, err := parseWait(r)
	if err != nil {
		return nil, err
	}
	var body RebalanceRequest
	if err := decodeBody(w, r, &body, true); err != nil {
		return nil, err
	}
	if o := body.Options; o != nil {
		if body.Workers != 0 || body.Parallelism != nil {
			return nil, errorf(http.StatusBadRequest, "httpapi: rebalance: give rebalanceOptions or workers and parallelism, not both")
		}
		body.Workers = o.NumWorkers
		for comp, n := range o.Executors {
			if body.Parallelism == nil {
				body.Parallelism = map[string]int{}
			}
			body.Parallelism[comp] = int(n)
		}
	}
	if body.Workers < 0 {
		return nil, errorf(http.StatusBadRequest, "httpapi: rebalance: workers %d is negative", body.Workers)
	}
	for comp, n := range body.Parallelism {
		if n < 1 {
			return nil, errorf(http.StatusBadRequest, "httpapi: rebalance: parallelism %d of %q is below 1", n, comp)
		}
	}
	return s.change(r, protocol.ClientRequest{Op: protocol.OpRebalance, Topology: r.PathValue("id"),
		Wait: wait, DefaultWait: byDefault, Workers: body.Workers, Parallelism: body.Parallelism})
}

// submit checks the artifact is here before nimbus records the topology:
// a topology whose program no nimbus holds could never run.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) (any, error) {
	var body SubmitRequest
	if err := decodeBody(w, r, &body, false); err != nil {
		return nil, err
	}
	if err := s.checkSubmit(r, body); err != nil {
		return nil, err
	}
	out, err := s.change(r, protocol.ClientRequest{Op: protocol.OpSubmit, Topology: body.Name,
		Spec: body.Spec, Artifact: body.Artifact, Owner: ownerOfSubmit(r)})
	if err != nil {
		return nil, err
	}
	return created{out}, nil
}

func (s *Server) checkSubmit(r *http.Request, body SubmitRequest) error {
	switch {
	case body.Name == "":
		return errorf(http.StatusBadRequest, "httpapi: submit: name is required")
	case len(body.Spec) == 0 || string(body.Spec) == "null":
		return errorf(http.StatusBadRequest, "httpapi: submit: spec is required")
	case body.Artifact == "" && s.cfg.RequireArtifact:
		return errorf(http.StatusBadRequest, "httpapi: submit: artifact is required: upload the program "+
			"with PUT /api/v1/artifact/{sha256} and name its sha256")
	case body.Artifact == "":
		return nil
	case !protocol.ValidDigest(body.Artifact):
		return errorf(http.StatusBadRequest, "httpapi: submit: artifact %q is not a lower-case hex sha256", body.Artifact)
	case s.cfg.Artifacts != nil && s.cfg.Artifacts.Has(body.Artifact):
		return nil
	}
	// Missing here. A follower sends the client to the leader, which may
	// have it; only the leader's own store decides.
	if _, err := s.ask(r, protocol.ClientRequest{Op: protocol.OpList}); err != nil {
		return err
	}
	return &apiError{status: http.StatusUnprocessableEntity, code: CodeArtifactMissing,
		msg: "httpapi: submit: artifact " + body.Artifact + " is not uploaded to this nimbus (the leader); " +
			"PUT /api/v1/artifact/" + body.Artifact + " first"}
}
