package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// An agent's notifications (reminders, escalations, hand-overs, mail held or not delivered):
// the desk tells a person what needs them there, newest first, unread ones marked, with a
// button that marks them read. Each says what happened in the reader's language; the detail
// the desk wrote with it is shown as written.

// notificationRow is one notification as the page shows it.
type notificationRow struct {
	ID     int64
	What   string // the kind, in the reader's language
	Detail string // the desk's words with it (English)
	CaseID int64
	Ref    string
	At     time.Time
	Unread bool
}

type notificationsData struct {
	Rows   []notificationRow
	Unread int
	Newest int64 // the id "mark all read" marks up to: nothing that arrives after the page was read
	Marked bool
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *request) error {
	marked := r.URL.Query().Get("read") != ""
	list, err := s.svc.Notifications(r.Context(), r.sess.Actor)
	if err != nil {
		return err
	}
	d := notificationsData{Marked: marked}
	for _, n := range list {
		row := notificationRow{ID: n.ID, What: s.portalT(r, "notif.kind."+n.Kind, "notif.kind.other"), Detail: n.Body,
			CaseID: n.CaseID, At: n.CreatedAt, Unread: n.ReadAt == nil}
		if n.CaseID != 0 {
			row.Ref = desk.CaseRef(n.CaseID)
		}
		if row.Unread {
			d.Unread++
		}
		if n.ID > d.Newest {
			d.Newest = n.ID
		}
		d.Rows = append(d.Rows, row)
	}
	return s.render(w, r, http.StatusOK, "notifications", view{Title: r.T("notif.title"), Data: d})
}

func (s *Server) notificationsRead(w http.ResponseWriter, r *request) error {
	upTo, _ := strconv.ParseInt(r.PostFormValue("up_to"), 10, 64)
	if _, err := s.svc.MarkNotificationsRead(r.Context(), r.sess.Actor, upTo); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/notifications?read=1", http.StatusSeeOther)
	return nil
}
