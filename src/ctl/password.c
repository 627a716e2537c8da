#include "ctl/password.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ctl/errors.h"

char *ctl_read_password(FILE *in, const char *who)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (n <= 0) {
		ctl_error(0, "%s: no password to read", who);
		free(line);
		return NULL;
	}
	if (line[n - 1] == '\n')
		line[--n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[--n] = '\0';
	if (strlen(line) != (size_t)n) {
		ctl_error(0, "%s: the password contains a NUL byte", who);
		explicit_bzero(line, cap);
		free(line);
		return NULL;
	}
	return line;
}

char *ctl_read_password_file(const char *path, const char *who)
{
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		ctl_error(0, "%s: cannot open the password file: %s", who, strerror(errno));
		return NULL;
	}
	char *password = ctl_read_password(f, who);
	fclose(f);
	return password;
}

/* The terminal's settings while echo is off, restored by a signal that
 * would end istmctl there too (then the signal does what it does). */
static struct termios saved;
static volatile sig_atomic_t echo_off;
static const int restore_on[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };

static void restore_echo(int sig)
{
	if (echo_off)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	echo_off = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static char *prompt_once(const char *who, const char *prompt)
{
	struct sigaction sa = { .sa_handler = restore_echo }, old[5];
	if (tcgetattr(STDIN_FILENO, &saved) != 0) {
		ctl_error(0, "%s: cannot read the terminal's settings: %s", who, strerror(errno));
		return NULL;
	}
	for (size_t i = 0; i < 5; i++)
		sigaction(restore_on[i], &sa, &old[i]);
	struct termios quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	/* The prompt on the terminal itself, like getpass(), so that it shows
	 * even with stderr redirected; on stderr when there is none. */
	FILE *tty = fopen("/dev/tty", "we");
	FILE *out = tty ? tty : stderr;
	fputs(prompt, out);
	fflush(out);
	if (tty != NULL)
		fclose(tty);
	char *password = NULL;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
		ctl_error(0, "%s: cannot turn the terminal's echo off: %s", who, strerror(errno));
	} else {
		echo_off = 1;
		password = ctl_read_password(stdin, who);
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		echo_off = 0;
	}
	for (size_t i = 0; i < 5; i++)
		sigaction(restore_on[i], &old[i], NULL);
	return password;
}

char *ctl_ask_password(const char *who, const char *prompt, bool confirm)
{
	if (!isatty(STDIN_FILENO))
		return ctl_read_password(stdin, who);
	char *first = prompt_once(who, prompt);
	if (first == NULL || !confirm)
		return first;
	char *again = prompt_once(who, "Again: ");
	bool same = again != NULL && strcmp(first, again) == 0;
	if (again != NULL) {
		explicit_bzero(again, strlen(again));
		free(again);
		if (!same)
			ctl_error(0, "%s: the two entries differ; nothing changed", who);
	}
	if (!same) {
		explicit_bzero(first, strlen(first));
		free(first);
		return NULL;
	}
	return first;
}
