package service

// HoldSearchIndex keeps the service's search index worker from indexing what commands queue
// until release is called (the worker waits for the drain it holds), so a test sees the queue
// as the commands left it, whatever the machine's speed.
func (s *Service) HoldSearchIndex() (release func()) {
	s.searchQ.drain.Lock()
	return s.searchQ.drain.Unlock
}
