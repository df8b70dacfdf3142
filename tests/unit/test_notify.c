/* tests/unit/test_notify.c - live/notify.h against a fake service manager:
 * a datagram socket of our own named by NOTIFY_SOCKET. READY=1 goes out
 * once with its STATUS line on one line, WATCHDOG=1 at half of
 * WATCHDOG_USEC and not before, STOPPING=1; without NOTIFY_SOCKET nothing
 * is sent; a watchdog meant for another pid is not ours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "live/notify.h"

static int sock = -1;
static char path[108];

static int setup(void **st)
{
    (void)st;
    snprintf(path, sizeof path, "/tmp/pmc_notify_test.%d", (int)getpid());
    unlink(path);
    sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (sock < 0 || bind(sock, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    close(sock);
    unlink(path);
    return 0;
}

/* The next datagram, or "" when none is waiting. */
static const char *next(void)
{
    static char buf[512];
    ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void test_protocol(void **st)
{
    (void)st;
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("NOTIFY_SOCKET", path, 1);
    setenv("WATCHDOG_USEC", "200000", 1);
    setenv("WATCHDOG_PID", pid, 1);
    struct pmc_notify n;
    pmc_notify_init(&n);
    assert_int_equal(n.on, 1);
    assert_int_equal(n.wd_interval, 100);
    pmc_notify_ready(&n, "copying 2 traders\nmode=paper");
    assert_string_equal(next(), "READY=1\nSTATUS=copying 2 traders mode=paper");
    pmc_notify_ready(&n, "again");
    assert_string_equal(next(), "");
    pmc_notify_tick(&n, 99);
    assert_string_equal(next(), "");
    pmc_notify_tick(&n, 100);
    assert_string_equal(next(), "WATCHDOG=1");
    pmc_notify_tick(&n, 150);
    assert_string_equal(next(), "");
    pmc_notify_tick(&n, 200);
    assert_string_equal(next(), "WATCHDOG=1");
    pmc_notify_status(&n, "kill switch on");
    assert_string_equal(next(), "STATUS=kill switch on");
    pmc_notify_stopping(&n);
    assert_string_equal(next(), "STOPPING=1");
    assert_int_equal(n.sent, 5);
    assert_int_equal(n.failed, 0);
}

static void test_other_pid_watchdog(void **st)
{
    (void)st;
    setenv("NOTIFY_SOCKET", path, 1);
    setenv("WATCHDOG_USEC", "200000", 1);
    setenv("WATCHDOG_PID", "1", 1);
    struct pmc_notify n;
    pmc_notify_init(&n);
    assert_int_equal(n.wd_interval, 0);
    pmc_notify_tick(&n, 1000);
    assert_string_equal(next(), "");
}

static void test_outside_systemd(void **st)
{
    (void)st;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    struct pmc_notify n;
    pmc_notify_init(&n);
    assert_int_equal(n.on, 0);
    pmc_notify_ready(&n, "x");
    pmc_notify_tick(&n, 1000000);
    pmc_notify_stopping(&n);
    assert_string_equal(next(), "");
    assert_int_equal(n.sent, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_other_pid_watchdog),
        cmocka_unit_test(test_outside_systemd),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
