package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/keptdesk/kept/internal/desk"
)

// Saved views: an agent names the inbox's current filter and sort, and finds it again as a
// link on the inbox. They are the agent's own: nobody else lists or deletes them.

// SavedViews lists the actor's own saved views, by name.
func (s *Service) SavedViews(ctx context.Context, actor desk.Actor) ([]desk.SavedView, error) {
	out, err := readAs(s, ctx, actor, ActOwnViews, func(w *work) ([]desk.SavedView, error) { return w.tx.Views(ctx, actor.ID) })
	return out, wrap("saved views", err)
}

// SaveView keeps the query under the name for the actor; a view of the same name takes the
// new query.
func (s *Service) SaveView(ctx context.Context, actor desk.Actor, name, query string) (desk.SavedView, error) {
	if err := gate(actor, ActOwnViews); err != nil {
		return desk.SavedView{}, err
	}
	name, query, err := desk.CheckSavedView(name, query)
	if err != nil {
		return desk.SavedView{}, err
	}
	var v desk.SavedView
	err = s.write(ctx, actor, func(w *work) error {
		have, err := w.tx.Views(w.ctx, actor.ID)
		if err != nil {
			return err
		}
		same := slices.ContainsFunc(have, func(o desk.SavedView) bool { return o.Name == name })
		if !same && len(have) >= desk.MaxViews {
			return desk.Conflict("too_many_views", fmt.Sprintf("at most %d saved views; delete one first", desk.MaxViews), nil)
		}
		v, err = w.tx.SaveView(w.ctx, desk.SavedView{AgentID: actor.ID, Name: name, Query: query, CreatedAt: w.now})
		return err
	})
	return v, wrap("save view", err)
}

// DeleteView deletes one of the actor's own views; another's is not theirs to delete and is
// left as it is (as is one deleted already), without saying whether it exists.
func (s *Service) DeleteView(ctx context.Context, actor desk.Actor, id int64) error {
	err := s.writeGated(ctx, actor, ActOwnViews, func(w *work) error {
		_, err := w.tx.DeleteView(w.ctx, actor.ID, id)
		return err
	})
	return wrap("delete view", err)
}

// InboxToolsView is what the inbox's tools show: the reader's saved views and, when they may
// act in bulk, the colleagues to hand cases to and the open incidents to link them to.
type InboxToolsView struct {
	Views     []desk.SavedView
	Agents    []desk.Agent    // every agent (nil without bulk actions)
	Incidents []desk.Incident // open ones (nil when the reader may not link)
}

// InboxTools reads the inbox's tools in one read (the inbox page reads them within its own
// read: InboxQuery.Tools); bulk asks for the bulk form's choices too.
func (s *Service) InboxTools(ctx context.Context, actor desk.Actor, bulk bool) (InboxToolsView, error) {
	var v InboxToolsView
	if err := gate(actor, ActOwnViews); err != nil {
		return v, err
	}
	err := s.readLooseAs(ctx, actor, func(w *work) error {
		var err error
		v, err = inboxTools(w, bulk)
		return err
	})
	return v, wrap("inbox tools", err)
}

func inboxTools(w *work, bulk bool) (InboxToolsView, error) {
	var v InboxToolsView
	actor := w.actor
	if gate(actor, ActOwnViews) != nil {
		return v, nil
	}
	var err error
	if v.Views, err = w.tx.Views(w.ctx, actor.ID); err != nil || !bulk || gate(actor, ActCaseBulk) != nil {
		return v, err
	}
	if v.Agents, err = w.tx.Agents(w.ctx); err != nil {
		return v, err
	}
	if gate(actor, ActIncidentLink) == nil && gate(actor, ActIncidentRead) == nil {
		v.Incidents, err = w.tx.Incidents(w.ctx, desk.IncidentOpen)
	}
	return v, err
}
