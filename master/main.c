/* main.c - wsfan's command line: parse the arguments, read and check the
 * configuration, then hand over to the supervisor. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "rspawn.h"
#include "sup.h"
#include "x.h"

/* Exit statuses (documented in wsfan(8)). */
#define EXIT_CONFIG 1 /* bad configuration, or could not start */
#define EXIT_USAGE 2  /* bad command line */

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: wsfan [-t] [-c FILE] [--set KEY=VALUE]...\n"
            "\n"
            "WebSocket fan-out server: delivers each message published on a\n"
            "channel to every subscribed client, through Redis pub/sub.\n"
            "\n"
            "  -c, --config FILE    read FILE (default: built-in defaults)\n"
            "  -s, --set KEY=VALUE  set a directive, after the file\n"
            "                       (e.g. --set workers=4 --set "
            "listen=[::]:8080)\n"
            "  -t, --test           check the configuration and exit\n"
            "  -V, --version        print the version and exit\n"
            "  -h, --help           print this help and exit\n"
            "\n"
            "Signals: HUP reload, TERM/INT graceful shutdown, QUIT drain and\n"
            "exit, USR1 reopen log files. See wsfan(8), wsfan.conf(5).\n");
}


int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 's'},
        {"test", no_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    char **sets = NULL;
    size_t nsets = 0;
    int test = 0, ch, status;
    char *cause = NULL;
    wf_conf_t *conf;

    wf_log_set_role("master", -1, 0);
    while ((ch = getopt_long(argc, argv, "c:s:tVh", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 's':
            sets = wf_xreallocarray(sets, nsets + 1, sizeof(*sets));
            sets[nsets++] = optarg;
            break;
        case 't':
            test = 1;
            break;
        case 'V':
            printf("wsfan %s\n", PACKAGE_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wsfan: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    conf = wf_conf_read(path, sets, nsets, &cause);
    if (conf == NULL) {
        fprintf(stderr, "wsfan: %s\n", cause);
        if (test)
            fprintf(stderr, "wsfan: configuration test failed\n");
        free(cause);
        free(sets);
        return EXIT_CONFIG;
    }
    if (test && wf_rspawn_check(conf, &cause) != 0) {
        fprintf(stderr, "wsfan: %s\nwsfan: configuration test failed\n", cause);
        free(cause);
        wf_conf_free(conf);
        free(sets);
        return EXIT_CONFIG;
    }
    if (test) {
        printf("wsfan: configuration %s is ok (%d workers, %zu listen "
               "address%s)\n",
               path ? path : "(built-in defaults)", conf->workers,
               conf->nlistens, conf->nlistens == 1 ? "" : "es");
        wf_conf_free(conf);
        free(sets);
        return 0;
    }
    wf_log_set_level(conf->log_level);
    if (conf->log_file != NULL && wf_log_open(conf->log_file) != 0) {
        fprintf(stderr, "wsfan: log-file %s: cannot open\n", conf->log_file);
        wf_conf_free(conf);
        free(sets);
        return EXIT_CONFIG;
    }
    status = wf_sup_run(conf, path, sets, nsets);
    free(sets);
    return status == 0 ? 0 : EXIT_CONFIG;
}
