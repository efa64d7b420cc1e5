package window

// user is the open state of one user on one partition: the windows and
// panes not yet closed (oldest first) and the sessions not yet ended.
type user struct {
	id       string
	windows  []*behavior
	panes    []*profile
	sessions []*session
	// logged marks a change not yet written to the changelog.
	logged bool
}

func (u *user) empty() bool {
	return len(u.windows) == 0 && len(u.panes) == 0 && len(u.sessions) == 0
}

// window returns the open window starting at start, or nil.
func (u *user) window(start int64) *behavior {
	for _, w := range u.windows {
		if w.start == start {
			return w
		}
	}
	return nil
}

// addWindow inserts w keeping start order; out-of-order events can open a
// window older than one already open.
func (u *user) addWindow(w *behavior) {
	i := len(u.windows)
	for i > 0 && u.windows[i-1].start > w.start {
		i--
	}
	u.windows = append(u.windows, nil)
	copy(u.windows[i+1:], u.windows[i:])
	u.windows[i] = w
}

func (u *user) removeWindow(start int64) *behavior {
	for i, w := range u.windows {
		if w.start == start {
			u.windows = append(u.windows[:i], u.windows[i+1:]...)
			return w
		}
	}
	return nil
}

func (u *user) pane(start int64) *profile {
	for _, p := range u.panes {
		if p.start == start {
			return p
		}
	}
	return nil
}

func (u *user) addPane(p *profile) {
	i := len(u.panes)
	for i > 0 && u.panes[i-1].start > p.start {
		i--
	}
	u.panes = append(u.panes, nil)
	copy(u.panes[i+1:], u.panes[i:])
	u.panes[i] = p
}

func (u *user) removePane(start int64) *profile {
	for i, p := range u.panes {
		if p.start == start {
			u.panes = append(u.panes[:i], u.panes[i+1:]...)
			return p
		}
	}
	return nil
}

func (u *user) session(id string) *session {
	for _, s := range u.sessions {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (u *user) removeSession(s *session) {
	for i, x := range u.sessions {
		if x == s {
			u.sessions = append(u.sessions[:i], u.sessions[i+1:]...)
			return
		}
	}
}
