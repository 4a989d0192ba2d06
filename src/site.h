/* site.h: where configuration, the database and logs live (reference §2.1).
 *
 * Three sites: system (/etc, /var/lib, /var/log), user (~/.hypershell) and
 * local (./.hypershell, or $HYPERSHELL_SITE). The active site, which holds
 * lib/ (database, certificates, task output) and log/, is local when
 * HYPERSHELL_SITE is set, system when running as root, else user.
 */
#ifndef HS_SITE_H
#define HS_SITE_H

#include "err.h"

enum hs_site { HS_SITE_SYSTEM, HS_SITE_USER, HS_SITE_LOCAL, HS_SITE_COUNT };

struct hs_paths {
	char *config[HS_SITE_COUNT];  /* config file of each site; owned */
	char *lib[HS_SITE_COUNT];     /* lib directory of each site; owned */
	char *log[HS_SITE_COUNT];     /* log directory of each site; owned */
	enum hs_site active;          /* site whose lib/ and log/ are used */
};

/* Compute the paths from the environment. Creates nothing. */
hs_err hs_paths_init(struct hs_paths *p);
void hs_paths_free(struct hs_paths *p);

/* "system", "user", "local". */
const char *hs_site_name(enum hs_site s);

/* The active site's lib/ and log/ directories. */
const char *hs_paths_lib(const struct hs_paths *p);
const char *hs_paths_log(const struct hs_paths *p);

/* Create the active site's lib/, log/ and lib/task/ if missing. */
hs_err hs_paths_ensure(const struct hs_paths *p);

/* mkdir -p with mode for each created component. */
hs_err hs_mkdirs(const char *path, unsigned mode);

/* Create the directory that will hold the file path (mkdir -p). */
hs_err hs_mkdirs_for(const char *path);

/* Join a directory and a name into a new string (NULL when out of memory). */
char *hs_path_join(const char *dir, const char *name);

#endif
