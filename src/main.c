/* main.c: entry point of hs (also hsx and hyper-shell).
 *
 * Resolves the command from argv[0] and argv[1] through the dispatch table
 * in cmd.c, prepares paths, configuration and logging, and runs it.
 */
#include <openssl/opensslv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "version.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: hs [-h] [-v] [--citation] <command> [<args>...]\n\n"
	        "HyperShell: a secure, high-throughput runner for shell commands.\n\n"
	        "commands:\n");
	for (const struct hs_cmd *c = hs_commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp, "\noptions:\n"
	        "  -h, --help     Show this message and exit.\n"
	        "  -v, --version  Show the version and exit.\n"
	        "  --citation     Show the citation (BibTeX) and exit.\n\n"
	        "Run 'hs <command> --help' for the options of a command.\n"
	        "Documentation: man hs, and docs/ in the source tree.\n");
}

static void
version(void)
{
	printf("HyperShell v%s (C17; SQLite %s; %s)\n", HS_VERSION, sqlite3_libversion(),
	       OPENSSL_VERSION_TEXT);
}

static void
citation(void)
{
	printf("@inproceedings{lentner_2022,\n"
	       "    author = {Lentner, Geoffrey and Gorenstein, Lev},\n"
	       "    title = {HyperShell v2: Distributed Task Execution for HPC},\n"
	       "    year = {2022},\n"
	       "    publisher = {Association for Computing Machinery},\n"
	       "    doi = {10.1145/3491418.3535138},\n"
	       "    booktitle = {Practice and Experience in Advanced Research Computing},\n"
	       "    series = {PEARC '22}\n"
	       "}\n");
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Top-level flags; returns -1 to go on with a command, else an exit code. */
static int
top_flags(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return HS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return usage(stdout), 0;
	if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)
		return version(), 0;
	if (strcmp(argv[1], "--citation") == 0)
		return citation(), 0;
	if (argv[1][0] == '-') {
		fprintf(stderr, "hs: unrecognized option '%s' (see 'hs --help')\n", argv[1]);
		return HS_EXIT_BADARG;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	const struct hs_cmd *cmd;
	struct hs_app app = {.prog = "hs", .argv0 = argv[0]};
	char logger[64];
	int rc, skip = 1;   /* argv words before the command's own argv[0] */
	hs_err e;

	if (strcmp(base_name(argv[0]), "hsx") == 0) {
		/* hsx ARGS is hs cluster ARGS */
		cmd = hs_cmd_find(hs_commands, "cluster");
		skip = 0;
	} else {
		if ((rc = top_flags(argc, argv)) >= 0)
			return rc;
		if ((cmd = hs_cmd_find(hs_commands, argv[1])) == NULL) {
			fprintf(stderr, "hs: unknown command '%s' (see 'hs --help')\n", argv[1]);
			return HS_EXIT_BADARG;
		}
	}
	snprintf(logger, sizeof logger, "hypershell.%s", cmd->name);
	e = hs_app_init(&app, logger);
	if (e != HS_OK && strcmp(cmd->name, "config") != 0) {
		rc = hs_app_fail(e);
		hs_app_free(&app);
		return rc;
	}
	if (e != HS_OK)  /* hs config still runs, to let the user fix the file */
		log_error("%s", hs_detail());
	rc = cmd->fn(&app, argc - skip, argv + skip);
	hs_app_free(&app);
	return rc;
}
