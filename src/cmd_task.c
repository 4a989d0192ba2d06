/* cmd_task.c: the legacy command group hs task {submit,info,wait,search,update}. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int
cmd_task(struct hs_app *app, int argc, char **argv)
{
	const struct hs_cmd *c;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("usage: hs task <command> [<args>...]\n\ncommands:\n");
		for (c = hs_task_commands; c->name; c++)
			printf("  %-10s %s\n", c->name, c->summary);
		return argc < 2 ? HS_EXIT_USAGE : 0;
	}
	if ((c = hs_cmd_find(hs_task_commands, argv[1])) == NULL) {
		fprintf(stderr, "hs task: unknown command '%s' (see 'hs task --help')\n", argv[1]);
		return HS_EXIT_BADARG;
	}
	return c->fn(app, argc - 1, argv + 1);
}
