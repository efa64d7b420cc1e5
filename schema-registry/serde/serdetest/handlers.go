package serdetest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
)

// schemaRequest is the register and lookup body. Unknown fields (metadata,
// ruleSet, normalize hints from newer clients) are ignored, as the real
// registry does.
type schemaRequest struct {
	Schema     *string           `json:"schema"`
	SchemaType string            `json:"schemaType"`
	References []json.RawMessage `json:"references"`
}

type versionAnswer struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	schema, ok := readSchemaRequest(w, r)
	if !ok {
		return
	}
	id, _, err := s.register(r.PathValue("subject"), schema)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"id": id})
}

func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) {
	schema, ok := readSchemaRequest(w, r)
	if !ok {
		return
	}
	subject := r.PathValue("subject")
	canon, err := canonical(schema)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: "+err.Error())
		return
	}
	s.mu.Lock()
	ids, known := s.subjects[subject]
	id := s.idByText[canon]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, 40401, fmt.Sprintf("Subject '%s' not found.", subject))
		return
	}
	for i, v := range ids {
		if v == id {
			writeJSON(w, http.StatusOK, versionAnswer{Subject: subject, Version: i + 1, ID: id, Schema: schema})
			return
		}
	}
	writeError(w, http.StatusNotFound, 40403, "Schema not found")
}

func (s *Server) handleSchemaByID(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil {
		writeError(w, http.StatusNotFound, 40403, fmt.Sprintf("Schema %s not found", raw))
		return
	}
	s.mu.Lock()
	schema, ok := s.byID[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, 40403, fmt.Sprintf("Schema %d not found", id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"schema": schema})
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	subject, raw := r.PathValue("subject"), r.PathValue("version")
	version := -1
	if raw != "latest" {
		v, err := strconv.Atoi(raw)
		if err != nil || v == 0 || v < -1 || v > math.MaxInt32 {
			writeError(w, http.StatusUnprocessableEntity, 42202, fmt.Sprintf(
				`The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`, raw))
			return
		}
		version = v
	}
	s.mu.Lock()
	ids, known := s.subjects[subject]
	if version == -1 {
		version = len(ids)
	}
	var id int
	var schema string
	if version >= 1 && version <= len(ids) {
		id = ids[version-1]
		schema = s.byID[id]
	}
	s.mu.Unlock()
	switch {
	case !known:
		writeError(w, http.StatusNotFound, 40401, fmt.Sprintf("Subject '%s' not found.", subject))
	case id == 0:
		writeError(w, http.StatusNotFound, 40402, fmt.Sprintf("Version %s not found.", raw))
	default:
		writeJSON(w, http.StatusOK, versionAnswer{Subject: subject, Version: version, ID: id, Schema: schema})
	}
}

// readSchemaRequest decodes a register or lookup body, answering the error
// itself when the body is unusable.
func readSchemaRequest(w http.ResponseWriter, r *http.Request) (string, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, 400, "reading request body: "+err.Error())
		return "", false
	}
	var req schemaRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusUnprocessableEntity, 422, "Unrecognized request body: "+err.Error())
		return "", false
	}
	switch {
	case req.Schema == nil:
		writeError(w, http.StatusUnprocessableEntity, 422, "schema may not be empty")
	case req.SchemaType != "" && req.SchemaType != "AVRO":
		writeError(w, http.StatusUnprocessableEntity, 42201, fmt.Sprintf("Invalid schema: the fake registry supports only AVRO, got schemaType %s", req.SchemaType))
	case len(req.References) > 0:
		writeError(w, http.StatusUnprocessableEntity, 42201, "Invalid schema: the fake registry does not support references")
	default:
		return *req.Schema, true
	}
	return "", false
}
