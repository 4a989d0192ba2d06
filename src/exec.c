/* exec.c: task processes and environments. */
#include "exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* --- environment ---------------------------------------------------------- */

#define ENV_TEXT_MAX (16u << 20)

/* Add "name=value" (names are unique by construction: see hs_env_build). */
static hs_err
put(struct hs_env *env, const char *name, const char *value)
{
	size_t *no;
	hs_err e;

	if (env->noffs == env->capoffs) {
		size_t ncap = env->capoffs ? env->capoffs * 2 : 64;
		if ((no = realloc(env->offs, ncap * sizeof *no)) == NULL)
			return HS_ENOMEM;
		env->offs = no;
		env->capoffs = ncap;
	}
	env->offs[env->noffs] = env->text.len;
	if ((e = hs_buf_printf(&env->text, "%s=%s", name, value)) != HS_OK ||
	    (e = hs_buf_putc(&env->text, '\0')) != HS_OK)
		return e;
	env->noffs++;
	return HS_OK;
}

static hs_err
put_upper(struct hs_env *env, const char *prefix, const char *name, const char *value)
{
	char var[256];
	size_t o = 0;

	for (const char *p = prefix; *p && o + 1 < sizeof var; p++)
		var[o++] = *p;
	for (const char *p = name; *p && o + 1 < sizeof var; p++)
		var[o++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
	var[o] = '\0';
	return put(env, var, value);
}

static hs_err
put_columns(struct hs_env *env, const struct hs_task *t)
{
	char num[64];
	const char *v;
	hs_err e = HS_OK;

	for (int f = 0; f < HS_F_COUNT && e == HS_OK; f++) {
		if (f == HS_F_TAG)
			continue;
		v = hs_cell_text(t, f, num, sizeof num);
		e = put_upper(env, "TASK_", hs_fields[f].name, v ? v : "null");
	}
	return e;
}

static hs_err
put_tags(struct hs_env *env, const char *json)
{
	json_t *o, *v;
	const char *k;
	char *text;
	hs_err e = HS_OK;

	if (json == NULL || strcmp(json, "{}") == 0)
		return HS_OK;
	o = json_loads(json, 0, NULL);
	json_object_foreach(o, k, v) {
		if (e != HS_OK)
			break;
		text = json_is_string(v) ? strdup(json_string_value(v))
		                         : json_dumps(v, JSON_ENCODE_ANY);
		e = text ? put_upper(env, "TASK_TAG_", k, text) : HS_ENOMEM;
		free(text);
	}
	json_decref(o);
	return e;
}

static hs_err
put_extra(struct hs_env *env, const struct hs_env_extra *x)
{
	char num[32];
	hs_err e = HS_OK;

	snprintf(num, sizeof num, "%lld", (long long)x->waited);
	if ((e = put(env, "TASK_COMMAND", x->command)) != HS_OK ||
	    (e = put(env, "TASK_START_TIME", x->start_time)) != HS_OK ||
	    (e = put(env, "TASK_WAITED", x->waited >= 0 ? num : "null")) != HS_OK ||
	    (e = put(env, "TASK_OUTPATH", x->outpath)) != HS_OK ||
	    (e = put(env, "TASK_ERRPATH", x->errpath)) != HS_OK ||
	    (e = put(env, "TASK_CSVPATH", x->csvpath)) != HS_OK ||
	    (e = put(env, "TASK_CWD", x->cwd ? x->cwd : "null")) != HS_OK)
		return e;
	snprintf(num, sizeof num, "%d", x->slot);
	if ((e = put(env, "TASK_SLOT", num)) != HS_OK)
		return e;
	snprintf(num, sizeof num, "%d", x->slot_count);
	return put(env, "TASK_SLOT_COUNT", num);
}

/* Is base variable v one we set ourselves (TASK_*, or an export)? */
static bool
ours(const char *v, const struct hs_env_extra *x)
{
	size_t n = strcspn(v, "=");

	if (strncmp(v, "TASK_", 5) == 0)
		return true;
	for (size_t i = 0; i < x->nexports; i++)
		if (strncmp(x->exports[i], v, n) == 0 && x->exports[i][n] == '=')
			return true;
	return false;
}

static hs_err
put_exports(struct hs_env *env, const struct hs_env_extra *x)
{
	hs_err e = HS_OK;

	for (size_t i = 0; i < x->nexports && e == HS_OK; i++) {
		const char *eq = strchr(x->exports[i], '=');
		char name[256];
		if (eq == NULL || (size_t)(eq - x->exports[i]) >= sizeof name)
			continue;
		memcpy(name, x->exports[i], (size_t)(eq - x->exports[i]));
		name[eq - x->exports[i]] = '\0';
		e = put(env, name, eq + 1);
	}
	return e;
}

/* vars = the kept base variables, then ours (text is final by now). */
static hs_err
finish_vars(struct hs_env *env, char *const *base, const struct hs_env_extra *x)
{
	size_t nbase = 0, k = 0;

	while (base && base[nbase])
		nbase++;
	if ((env->vars = malloc((nbase + env->noffs + 1) * sizeof *env->vars)) == NULL)
		return HS_ENOMEM;
	for (size_t i = 0; i < nbase; i++)
		if (!ours(base[i], x))
			env->vars[k++] = base[i];
	for (size_t i = 0; i < env->noffs; i++)
		env->vars[k++] = env->text.data + env->offs[i];
	env->vars[k] = NULL;
	env->n = k;
	return HS_OK;
}

hs_err
hs_env_build(struct hs_env *env, char *const *base, const struct hs_task *t,
             const struct hs_env_extra *x)
{
	hs_err e;

	memset(env, 0, sizeof *env);
	hs_buf_init(&env->text, ENV_TEXT_MAX);
	if ((e = put_exports(env, x)) != HS_OK || (e = put_columns(env, t)) != HS_OK ||
	    (e = put_tags(env, t->f[HS_F_TAG].s)) != HS_OK || (e = put_extra(env, x)) != HS_OK ||
	    (e = finish_vars(env, base, x)) != HS_OK)
		hs_env_free(env);
	return e;
}

void
hs_env_free(struct hs_env *env)
{
	hs_buf_free(&env->text);
	free(env->offs);
	free(env->vars);
	memset(env, 0, sizeof *env);
}

/* --- processes ------------------------------------------------------------- */

/* In the child, between vfork and exec: only system calls. */
static void
child(const char *command, char *const *envp, const char *cwd, int out_fd, int err_fd,
      pid_t parent)
{
	char *argv[] = {"sh", "-c", (char *)command, NULL};
	int devnull;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)   /* the client already died */
		_exit(127);
	if ((devnull = open("/dev/null", O_RDONLY)) >= 0 && devnull != STDIN_FILENO) {
		dup2(devnull, STDIN_FILENO);
		close(devnull);
	}
	if (out_fd >= 0)
		dup2(out_fd, STDOUT_FILENO);
	if (err_fd >= 0)
		dup2(err_fd, STDERR_FILENO);
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(126);
	execve("/bin/sh", argv, envp);
	_exit(127);
}

hs_err
hs_exec_spawn(const char *command, char *const *envp, const char *cwd,
              int out_fd, int err_fd, pid_t *pid)
{
	pid_t parent = getpid(), p;

	p = vfork();
	if (p < 0)
		return hs_fail(HS_ECHILD, "cannot start a task: %s", strerror(errno));
	if (p == 0)
		child(command, envp, cwd, out_fd, err_fd, parent);
	setpgid(p, p);   /* also from here, so signals reach the group at once */
	*pid = p;
	return HS_OK;
}
