package metrics

import "net/http"

// Recorder wraps a response to remember its status code and size, for the request's log line
// and its measures.
type Recorder struct {
	http.ResponseWriter
	Code  int
	Bytes int
}

// WriteHeader records the first status written.
func (w *Recorder) WriteHeader(code int) {
	if w.Code == 0 {
		w.Code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Recorder) Write(b []byte) (int, error) {
	if w.Code == 0 {
		w.Code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.Bytes += n
	return n, err
}

// Flush lets streamed answers (server-sent events) through the wrapper.
func (w *Recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (deadlines on streams).
func (w *Recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
