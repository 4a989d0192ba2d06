/* site.c: site paths and their directories. */
#include "site.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *site_names[HS_SITE_COUNT] = {"system", "user", "local"};

const char *
hs_site_name(enum hs_site s)
{
	return (unsigned)s < HS_SITE_COUNT ? site_names[s] : "?";
}

char *
hs_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir), m = strlen(name);
	char *p = malloc(n + m + 2);

	if (p == NULL)
		return NULL;
	memcpy(p, dir, n);
	if (n == 0 || dir[n - 1] != '/')
		p[n++] = '/';
	memcpy(p + n, name, m + 1);
	return p;
}

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL && pw->pw_dir != NULL ? pw->pw_dir : "/";
}

/* Record site s: its config file, and lib/ and log/ (under base unless
 * given). */
static hs_err
set_site(struct hs_paths *p, enum hs_site s, const char *config,
         const char *base, const char *lib, const char *log)
{
	p->config[s] = strdup(config);
	p->lib[s] = lib ? strdup(lib) : hs_path_join(base, "lib");
	p->log[s] = log ? strdup(log) : hs_path_join(base, "log");
	if (!p->config[s] || !p->lib[s] || !p->log[s])
		return HS_ENOMEM;
	return HS_OK;
}

static hs_err
init_local(struct hs_paths *p, const char *site)
{
	char *cfg, cwd[PATH_MAX], *base = NULL;
	hs_err e;

	if (site == NULL) {
		if (getcwd(cwd, sizeof cwd) == NULL)
			return hs_fail(HS_EIO, "cannot get the current directory: %s",
			               strerror(errno));
		if ((base = hs_path_join(cwd, ".hypershell")) == NULL)
			return HS_ENOMEM;
		site = base;
	}
	cfg = hs_path_join(site, "config.toml");
	e = cfg ? set_site(p, HS_SITE_LOCAL, cfg, site, NULL, NULL) : HS_ENOMEM;
	free(cfg);
	free(base);
	return e;
}

hs_err
hs_paths_init(struct hs_paths *p)
{
	const char *site = getenv("HYPERSHELL_SITE");
	char *ubase = NULL, *ucfg = NULL;
	hs_err e;

	memset(p, 0, sizeof *p);
	if (site != NULL && *site == '\0')
		site = NULL;
	e = set_site(p, HS_SITE_SYSTEM, "/etc/hypershell.toml", NULL,
	             "/var/lib/hypershell", "/var/log/hypershell");
	if (e == HS_OK && (ubase = hs_path_join(home_dir(), ".hypershell")) &&
	    (ucfg = hs_path_join(ubase, "config.toml")))
		e = set_site(p, HS_SITE_USER, ucfg, ubase, NULL, NULL);
	else if (e == HS_OK)
		e = HS_ENOMEM;
	if (e == HS_OK)
		e = init_local(p, site);
	p->active = site ? HS_SITE_LOCAL : geteuid() == 0 ? HS_SITE_SYSTEM
	                                                  : HS_SITE_USER;
	free(ubase);
	free(ucfg);
	if (e != HS_OK)
		hs_paths_free(p);
	return e;
}

void
hs_paths_free(struct hs_paths *p)
{
	for (int i = 0; i < HS_SITE_COUNT; i++) {
		free(p->config[i]);
		free(p->lib[i]);
		free(p->log[i]);
		p->config[i] = p->lib[i] = p->log[i] = NULL;
	}
}

const char *
hs_paths_lib(const struct hs_paths *p)
{
	return p->lib[p->active];
}

const char *
hs_paths_log(const struct hs_paths *p)
{
	return p->log[p->active];
}

hs_err
hs_mkdirs(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf)
		return hs_fail(HS_EIO, "bad directory path");
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
			return hs_fail(HS_EIO, "cannot create directory %s: %s", buf,
			               strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	return HS_OK;
}

hs_err
hs_paths_ensure(const struct hs_paths *p)
{
	char *task = hs_path_join(hs_paths_lib(p), "task");
	hs_err e;

	if (task == NULL)
		return HS_ENOMEM;
	e = hs_mkdirs(task, 0755);
	if (e == HS_OK)
		e = hs_mkdirs(hs_paths_log(p), 0755);
	free(task);
	return e;
}

hs_err
hs_mkdirs_for(const char *path)
{
	char *dir = strdup(path), *slash;
	hs_err e = HS_OK;

	if (dir == NULL)
		return HS_ENOMEM;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		e = hs_mkdirs(dir, 0755);
	}
	free(dir);
	return e;
}
