package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/squall/squall/core/protocol"
	"github.com/squall/squall/realnet/auth"
)

// Codes of the refusals of authentication and authorization.
const (
	CodeUnauthorized = "unauthorized" // 401: no token or an unknown one
	CodeForbidden    = "forbidden"    // 403: the caller's role does not allow the route
)

type principalKey struct{}

// principal is the authenticated caller of r (Anonymous when the API does
// not authenticate).
func principal(r *http.Request) auth.Principal {
	if p, ok := r.Context().Value(principalKey{}).(auth.Principal); ok {
		return p
	}
	return auth.Anonymous
}

// guard authenticates the caller of h and lets it through only when its
// role allows a. Operating a topology as a user needs its owner, which the
// nimbus's status answer names.
func (s *Server) guard(a auth.Action, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.cfg.Auth.Authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="squall"`)
			s.writeError(w, r, &apiError{status: http.StatusUnauthorized, code: CodeUnauthorized, msg: err.Error()})
			return
		}
		owner := ""
		if a == auth.ActionOperate && p.Role == auth.RoleUser {
			if owner, err = s.ownerOf(r, r.PathValue("id")); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if err := auth.Authorize(p, a, owner); err != nil {
			s.writeError(w, r, &apiError{status: http.StatusForbidden, code: CodeForbidden, msg: err.Error()})
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// ownerOf asks the nimbus who owns the topology a route names.
func (s *Server) ownerOf(r *http.Request, id string) (string, error) {
	reply, err := s.ask(r, protocol.ClientRequest{Op: protocol.OpStatus, Topology: id})
	if err != nil {
		return "", err
	}
	if len(reply.Topologies) != 1 {
		return "", errors.New("httpapi: the nimbus's status answer names no topology")
	}
	return reply.Topologies[0].Owner, nil
}

// ownerOfSubmit is who a submit records as the topology's owner: the
// authenticated user, or nobody when the API does not authenticate.
func ownerOfSubmit(r *http.Request) string {
	if p := principal(r); p != auth.Anonymous {
		return p.User
	}
	return ""
}
