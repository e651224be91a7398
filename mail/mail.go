// Package mail sends the platform's email: SMTP in production, a folder of .eml
// files in development (the console lists them, and tests read codes from them).
// It is not a template engine: callers pass the finished subject and text.
package mail

import (
	"context"
	"fmt"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Folder writes each message as an .eml file; the dev console shows them.
type Folder struct {
	Dir  string
	From string
	mu   sync.Mutex
}

// Send writes m to the folder.
func (f *Folder) Send(_ context.Context, m Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return fmt.Errorf("mail.Folder: %w", err)
	}
	id, _ := uuid.NewV7()
	name := filepath.Join(f.Dir, id.String()+".eml")
	return os.WriteFile(name, render(f.From, m, time.Now()), 0o644)
}

// Sent is a message read back from a Folder.
type Sent struct {
	ID      string
	To      string
	Subject string
	Text    string
	At      time.Time
}

// List returns the folder's messages to one address (all when to is empty),
// newest first.
func (f *Folder) List(to string) ([]Sent, error) {
	entries, err := os.ReadDir(f.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mail.Folder.List: %w", err)
	}
	var out []Sent
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		s, err := readEML(filepath.Join(f.Dir, e.Name()))
		if err != nil {
			continue // a half-written file; the next listing sees it
		}
		if to == "" || strings.EqualFold(s.To, to) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func readEML(path string) (Sent, error) {
	r, err := os.Open(path)
	if err != nil {
		return Sent{}, err
	}
	defer r.Close()
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return Sent{}, err
	}
	var body strings.Builder
	if _, err := fmt.Fprint(&body, readAll(msg)); err != nil {
		return Sent{}, err
	}
	at, _ := msg.Header.Date()
	return Sent{
		ID:      strings.TrimSuffix(filepath.Base(path), ".eml"),
		To:      msg.Header.Get("To"),
		Subject: msg.Header.Get("Subject"),
		Text:    body.String(),
		At:      at,
	}, nil
}

func readAll(msg *mail.Message) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := msg.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func render(from string, m Message, now time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, m.To, m.Subject, now.UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Text, "\n", "\r\n"))
	return []byte(b.String())
}

// SMTP sends through an SMTP server with PLAIN auth when a user is given.
type SMTP struct {
	Addr     string // host:port
	User     string
	Password string
	From     string
}

// Send delivers m.
func (s *SMTP) Send(_ context.Context, m Message) error {
	var auth smtp.Auth
	if s.User != "" {
		host := strings.Split(s.Addr, ":")[0]
		auth = smtp.PlainAuth("", s.User, s.Password, host)
	}
	if err := smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, render(s.From, m, time.Now())); err != nil {
		return fmt.Errorf("mail.SMTP: %w", err)
	}
	return nil
}
