package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// An agent's notifications (reminders, escalations, hand-overs, mail held or not delivered):
// the desk tells a person what needs them there, newest first, unread ones marked, with a
// button that marks them read. Each says what happened, and its detail, in the reader's
// language and time zone; a notification from before details had catalogue keys shows its
// English as written.

// notificationRow is one notification as the page shows it.
type notificationRow struct {
	ID     int64
	What   string // the kind, in the reader's language
	Detail string // what the desk says with it, in the reader's language
	// DetailLang is the language Detail is in: English when the notification has no words
	// of the catalogue.
	DetailLang string
	CaseID     int64
	Ref        string
	At         time.Time
	Unread     bool
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
		row := notificationRow{ID: n.ID, What: s.portalT(r, "notif.kind."+n.Kind, "notif.kind.other"),
			CaseID: n.CaseID, At: n.CreatedAt, Unread: n.ReadAt == nil}
		row.Detail, row.DetailLang = r.noteText(n)
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

// noteText is what a notification says, in the reader's language and zone, and that language:
// its catalogue key with its arguments, or its English body when it has no key this desk knows.
func (r *request) noteText(n desk.Notification) (string, string) {
	if _, ok := r.s.cat["en"][n.Key]; !ok || n.Key == "" {
		return n.Body, "en"
	}
	args := make([]any, len(n.Args))
	for i, a := range n.Args {
		switch a.Kind {
		case desk.ArgNumber:
			args[i] = a.Number
		case desk.ArgTime:
			args[i] = r.When(a.Time)
		case desk.ArgDuration:
			args[i] = r.s.duration(r, time.Duration(a.Number)*time.Second)
		case desk.ArgWords:
			words := make([]string, len(a.Keys))
			for j, key := range a.Keys {
				words[j] = r.word(key, a.Text)
			}
			args[i] = strings.Join(words, ", ")
		default:
			args[i] = a.Text
		}
	}
	text := r.T(n.Key, args...)
	if strings.Contains(text, "%!") {
		// The words and the arguments the desk stored disagree (a key whose arguments changed
		// since): its English says it whole.
		return n.Body, "en"
	}
	return text, r.lang
}

// word is a catalogue key in the reader's language; for a key the catalogue lacks (an error
// code without words of its own), english, else the key's last part as words.
func (r *request) word(key, english string) string {
	if english == "" {
		english = strings.ReplaceAll(key[strings.LastIndex(key, ".")+1:], "_", " ")
	}
	return r.tOr(key, english)
}
