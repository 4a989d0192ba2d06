/* exec.c: task processes and environments. */
#include "exec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* --- environment ---------------------------------------------------------- */

static hs_err
grow(char ***v, size_t *cap, size_t need)
{
	char **nv;
	size_t ncap = *cap ? *cap : 64;

	if (need <= *cap)
		return HS_OK;
	while (ncap < need)
		ncap *= 2;
	if ((nv = realloc(*v, ncap * sizeof *nv)) == NULL)
		return HS_ENOMEM;
	*v = nv;
	*cap = ncap;
	return HS_OK;
}

/* Add "name=value", replacing an earlier variable of the same name. */
static hs_err
put(struct hs_env *env, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *s;
	hs_err e;

	if ((e = grow(&env->own, &env->capown, env->nown + 1)) != HS_OK ||
	    (e = grow(&env->vars, &env->cap, env->n + 2)) != HS_OK)
		return e;
	if ((s = malloc(nl + vl + 2)) == NULL)
		return HS_ENOMEM;
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	env->own[env->nown++] = s;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->vars[i], s, nl + 1) == 0) {
			env->vars[i] = s;
			return HS_OK;
		}
	env->vars[env->n++] = s;
	env->vars[env->n] = NULL;
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
	json_t *o = json ? json_loads(json, 0, NULL) : NULL, *v;
	const char *k;
	char *text;
	hs_err e = HS_OK;

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

hs_err
hs_env_build(struct hs_env *env, char *const *base, const struct hs_task *t,
             const struct hs_env_extra *x)
{
	size_t nbase = 0;
	hs_err e;

	memset(env, 0, sizeof *env);
	while (base && base[nbase])
		nbase++;
	if ((e = grow(&env->vars, &env->cap, nbase + 64)) != HS_OK)
		return e;
	memcpy(env->vars, base, nbase * sizeof *base);
	env->n = nbase;
	env->vars[nbase] = NULL;
	for (size_t i = 0; i < x->nexports && e == HS_OK; i++) {
		const char *eq = strchr(x->exports[i], '=');
		char name[256];
		if (eq == NULL || (size_t)(eq - x->exports[i]) >= sizeof name)
			continue;
		memcpy(name, x->exports[i], (size_t)(eq - x->exports[i]));
		name[eq - x->exports[i]] = '\0';
		e = put(env, name, eq + 1);
	}
	if (e == HS_OK && (e = put_columns(env, t)) == HS_OK && (e = put_tags(env, t->f[HS_F_TAG].s)) == HS_OK)
		e = put_extra(env, x);
	return e;
}

void
hs_env_free(struct hs_env *env)
{
	for (size_t i = 0; i < env->nown; i++)
		free(env->own[i]);
	free(env->own);
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
