package connect

// Kill stops w as a crash would: no flush, no offset commit, no leave.
func Kill(w *Worker) { w.kill() }
