/* dbus-cbench: a minimal, blocking C libdbus client and server, the baseline
 * the Swift D-Bus layer is measured against. It speaks dbus-bench's contract:
 *   serve [--name N]            own N, answer Ping() and Echo(s) on /org/sonyctl/Bench
 *   rtt --dest N [-n] [-w]      sequential Ping round trips; with --member M (and
 *                               --path, --iface, up to two string args --s1, --s2)
 *                               any other call, e.g. a daemon's ResolveDevice
 *   pipeline --dest N [-n] [-d] keep d Pings outstanding
 *   emit [-n]                   PropertiesChanged-shaped signals
 *   recv [-n]                   count and fully decode those signals
 *   idle [-s]                   sit connected with a match rule, count wake-ups
 *   capture --dest N -o FILE    save N's GetManagedObjects reply, marshalled
 *   canned --name N --reply F   own N and answer every call with the saved reply
 *   gmo --dest N [-n]           GetManagedObjects round trips, each reply fully walked
 *   storm --name N --reply F    own N, answer calls with the saved reply, and on each
 *     [-n] [--rate R]           "go [N]" line on stdin send n (or N) RSSI PropertiesChanged on
 *     [--path P] [--flaps K]    P at R/s with K Connected false/true flaps among them,
 *                               then RSSI -33 and Connected false as the end marker
 * Every mode prints one "key=value" line. --address ADDR overrides the bus. */
#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/select.h>
#include <unistd.h>

#define PATH "/org/sonyctl/Bench"
#define IFACE "org.sonyctl.Bench1"
#define SIGNAL_PATH "/org/bluez/hci0/dev_00_11_22_33_44_55"
#define PROPS "org.freedesktop.DBus.Properties"
#define RULE "type='signal',interface='" PROPS "',member='PropertiesChanged',path_namespace='/org/bluez'"

static uint64_t now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static long switches(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_nvcsw + u.ru_nivcsw;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static const char *opt(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 2; i + 1 < argc; i++)
        if (!strcmp(argv[i], name)) return argv[i + 1];
    return fallback;
}

static DBusConnection *connect_bus(int argc, char **argv) {
    DBusError err;
    dbus_error_init(&err);
    const char *address = opt(argc, argv, "--address", NULL);
    DBusConnection *c;
    if (address) {
        c = dbus_connection_open_private(address, &err);
        if (c && !dbus_bus_register(c, &err)) c = NULL;
    } else {
        c = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
    }
    if (!c) {
        fprintf(stderr, "connect: %s\n", err.message ? err.message : "failed");
        exit(1);
    }
    return c;
}

/* Walks every value, as a real consumer would read them. */
static long walk(DBusMessageIter *it, uint64_t *sum) {
    long n = 0;
    int t;
    while ((t = dbus_message_iter_get_arg_type(it)) != DBUS_TYPE_INVALID) {
        n++;
        if (dbus_type_is_container(t)) {
            DBusMessageIter sub;
            dbus_message_iter_recurse(it, &sub);
            n += walk(&sub, sum);
        } else {
            DBusBasicValue v;
            dbus_message_iter_get_basic(it, &v);
            if (t == DBUS_TYPE_UINT32) *sum += v.u32;
            if (t == DBUS_TYPE_INT16) *sum += (uint16_t)v.i16;
        }
        dbus_message_iter_next(it);
    }
    return n;
}

static int serve(DBusConnection *c, const char *name) {
    DBusError err;
    dbus_error_init(&err);
    if (dbus_bus_request_name(c, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "name %s not owned\n", name);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (dbus_connection_read_write(c, -1)) {
        DBusMessage *m;
        while ((m = dbus_connection_pop_message(c))) {
            if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL && !dbus_message_get_no_reply(m)) {
                DBusMessage *r;
                if (dbus_message_is_method_call(m, IFACE, "Ping")) {
                    r = dbus_message_new_method_return(m);
                } else if (dbus_message_is_method_call(m, IFACE, "Echo")) {
                    const char *text = "";
                    dbus_message_get_args(m, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
                    r = dbus_message_new_method_return(m);
                    dbus_message_append_args(r, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
                } else {
                    r = dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD, "no such method");
                }
                dbus_connection_send(c, r, NULL);
                dbus_message_unref(r);
            }
            dbus_message_unref(m);
        }
    }
    return 0;
}

/* What rtt calls: Ping on the bench server unless --member names another method. */
static struct {
    const char *path, *iface, *member, *s1, *s2;
} call_spec = {PATH, IFACE, "Ping", NULL, NULL};

static DBusMessage *ping(const char *dest) {
    DBusMessage *m = dbus_message_new_method_call(dest, call_spec.path, call_spec.iface, call_spec.member);
    if (call_spec.s1) dbus_message_append_args(m, DBUS_TYPE_STRING, &call_spec.s1, DBUS_TYPE_INVALID);
    if (call_spec.s2) dbus_message_append_args(m, DBUS_TYPE_STRING, &call_spec.s2, DBUS_TYPE_INVALID);
    return m;
}

static int rtt(DBusConnection *c, const char *dest, long n, long warm) {
    DBusError err;
    dbus_error_init(&err);
    for (long i = 0; i < warm; i++) {
        DBusMessage *m = ping(dest);
        DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, DBUS_TIMEOUT_USE_DEFAULT, &err);
        if (!r) { fprintf(stderr, "call: %s\n", err.message); return 1; }
        dbus_message_unref(m);
        dbus_message_unref(r);
    }
    uint64_t *lat = calloc((size_t)n, sizeof *lat);
    uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), start = now_ns(CLOCK_MONOTONIC);
    for (long i = 0; i < n; i++) {
        DBusMessage *m = ping(dest);
        uint64_t t0 = now_ns(CLOCK_MONOTONIC);
        DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, DBUS_TIMEOUT_USE_DEFAULT, &err);
        if (!r) { fprintf(stderr, "call: %s\n", err.message); return 1; }
        lat[i] = now_ns(CLOCK_MONOTONIC) - t0;
        dbus_message_unref(m);
        dbus_message_unref(r);
    }
    double wall = (double)(now_ns(CLOCK_MONOTONIC) - start), cpu = (double)(now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
    qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
    printf("mode=rtt n=%ld p50_us=%.1f p99_us=%.1f calls_per_s=%.0f cpu_us_per_call=%.1f\n", n, lat[n / 2] / 1e3,
           lat[(size_t)(0.99 * (double)(n - 1))] / 1e3, n / (wall / 1e9), cpu / n / 1e3);
    free(lat);
    return 0;
}

static int pipeline(DBusConnection *c, const char *dest, long n, long depth) {
    long sent = 0, done = 0;
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    while (done < n) {
        while (sent < n && sent - done < depth) {
            DBusMessage *m = ping(dest);
            dbus_connection_send(c, m, NULL);
            dbus_message_unref(m);
            sent++;
        }
        if (!dbus_connection_read_write(c, -1)) return 1;
        DBusMessage *r;
        while ((r = dbus_connection_pop_message(c))) {
            int t = dbus_message_get_type(r);
            if (t == DBUS_MESSAGE_TYPE_METHOD_RETURN || t == DBUS_MESSAGE_TYPE_ERROR) done++;
            dbus_message_unref(r);
        }
    }
    printf("mode=pipeline n=%ld depth=%ld calls_per_s=%.0f\n", n, depth, n / ((now_ns(CLOCK_MONOTONIC) - start) / 1e9));
    return 0;
}

static void add_entry(DBusMessageIter *dict, const char *key, int type, const char *sig, void *value) {
    DBusMessageIter e, v;
    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e);
    dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v);
    dbus_message_iter_append_basic(&v, type, value);
    dbus_message_iter_close_container(&e, &v);
    dbus_message_iter_close_container(dict, &e);
}

static int emit(DBusConnection *c, long n) {
    const char *iface = "org.bluez.Device1";
    uint64_t start = now_ns(CLOCK_MONOTONIC);
    for (long i = 0; i < n; i++) {
        DBusMessage *m = dbus_message_new_signal(SIGNAL_PATH, PROPS, "PropertiesChanged");
        DBusMessageIter it, dict, none;
        dbus_int16_t rssi = (dbus_int16_t)(-40 - i % 50);
        dbus_uint32_t seq = (dbus_uint32_t)i;
        dbus_message_iter_init_append(m, &it);
        dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface);
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
        add_entry(&dict, "RSSI", DBUS_TYPE_INT16, "n", &rssi);
        add_entry(&dict, "Seq", DBUS_TYPE_UINT32, "u", &seq);
        dbus_message_iter_close_container(&it, &dict);
        dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &none);
        dbus_message_iter_close_container(&it, &none);
        dbus_connection_send(c, m, NULL);
        dbus_message_unref(m);
    }
    dbus_connection_flush(c);
    printf("mode=emit n=%ld per_s=%.0f\n", n, n / ((now_ns(CLOCK_MONOTONIC) - start) / 1e9));
    return 0;
}

static int recv_signals(DBusConnection *c, long n) {
    DBusError err;
    dbus_error_init(&err);
    dbus_bus_add_match(c, RULE, &err);
    if (dbus_error_is_set(&err)) { fprintf(stderr, "match: %s\n", err.message); return 1; }
    printf("ready\n");
    fflush(stdout);
    long got = 0;
    uint64_t first = 0, last = 0, cpu0 = 0, sum = 0;
    while (got < n) {
        /* Stop when signals stop: half a second of silence after the first. */
        if (!dbus_connection_read_write(c, got ? 500 : -1)) break;
        DBusMessage *m;
        int any = 0;
        while ((m = dbus_connection_pop_message(c))) {
            if (dbus_message_is_signal(m, PROPS, "PropertiesChanged")) {
                if (!got) { first = now_ns(CLOCK_MONOTONIC); cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID); }
                DBusMessageIter it;
                dbus_message_iter_init(m, &it);
                walk(&it, &sum);
                got++;
                last = now_ns(CLOCK_MONOTONIC);
                any = 1;
            }
            dbus_message_unref(m);
        }
        if (!any && got && now_ns(CLOCK_MONOTONIC) - last > 500000000ull) break;
    }
    uint64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    double wall = last > first ? (double)(last - first) : 1;
    printf("mode=recv n=%ld got=%ld lost=%ld per_s=%.0f cpu_us_per_signal=%.2f\n", n, got, n - got,
           (got > 1 ? got - 1 : 0) / (wall / 1e9), got ? cpu / 1e3 / got : 0.0);
    return sum == 0 && got > 0; /* keeps the walk from being optimised away */
}

static int idle(DBusConnection *c, long seconds) {
    DBusError err;
    dbus_error_init(&err);
    dbus_bus_add_match(c, RULE, &err);
    sleep(1); /* the same settling time as the Swift side */
    uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    long s0 = switches();
    uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t)seconds * 1000000000ull;
    for (uint64_t t; (t = now_ns(CLOCK_MONOTONIC)) < end;) {
        dbus_connection_read_write(c, (int)((end - t) / 1000000 + 1));
        DBusMessage *m;
        while ((m = dbus_connection_pop_message(c))) dbus_message_unref(m);
    }
    printf("mode=idle seconds=%ld cpu_ms=%.2f wakeups=%ld\n", seconds, (now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e6,
           switches() - s0);
    return 0;
}

/* One PropertiesChanged of org.bluez.Device1 on path with a single property. */
static void send_change(DBusConnection *c, const char *path, const char *key, int type, const char *sig, void *value) {
    const char *iface = "org.bluez.Device1";
    DBusMessage *m = dbus_message_new_signal(path, PROPS, "PropertiesChanged");
    DBusMessageIter it, dict, none;
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
    add_entry(&dict, key, type, sig, value);
    dbus_message_iter_close_container(&it, &dict);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &none);
    dbus_message_iter_close_container(&it, &none);
    dbus_connection_send(c, m, NULL);
    dbus_message_unref(m);
}

/* Answers what has come in with reply; false once the bus is gone. */
static int answer_calls(DBusConnection *c, DBusMessage *reply, int timeout_ms) {
    if (!dbus_connection_read_write(c, timeout_ms)) return 0;
    DBusMessage *m;
    while ((m = dbus_connection_pop_message(c))) {
        if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL && !dbus_message_get_no_reply(m)) {
            DBusMessage *r = dbus_message_copy(reply);
            dbus_message_set_reply_serial(r, dbus_message_get_serial(m));
            dbus_message_set_destination(r, dbus_message_get_sender(m));
            dbus_connection_send(c, r, NULL);
            dbus_message_unref(r);
        }
        dbus_message_unref(m);
    }
    return 1;
}

/* Owns name and returns the reply saved in file (a capture), to answer every call with. */
static DBusMessage *own_with_reply(DBusConnection *c, const char *name, const char *file) {
    static char buf[64 << 20];
    FILE *f = fopen(file, "rb");
    if (!f) { perror(file); return NULL; }
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    DBusError err;
    dbus_error_init(&err);
    DBusMessage *reply = dbus_message_demarshal(buf, (int)len, &err);
    if (!reply) { fprintf(stderr, "demarshal: %s\n", err.message); return NULL; }
    if (dbus_bus_request_name(c, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "name %s not owned\n", name);
        return NULL;
    }
    return reply;
}

static int storm(DBusConnection *c, const char *name, const char *file, const char *path, long n, long rate, long flaps) {
    DBusMessage *reply = own_with_reply(c, name, file);
    if (!reply) return 1;
    printf("ready\n");
    fflush(stdout);
    char line[64];
    long every = flaps > 0 ? n / (flaps + 1) : 0;
    for (int round = 0;; round++) {
        /* Serve the daemon's calls until the script says go (or closes stdin). */
        struct timeval tv = {0, 0};
        fd_set in;
        for (;;) {
            FD_ZERO(&in);
            FD_SET(0, &in);
            tv.tv_sec = 0;
            tv.tv_usec = 0;
            if (select(1, &in, NULL, NULL, &tv) > 0) break;
            if (!answer_calls(c, reply, 10)) return 0;
        }
        if (!fgets(line, sizeof line, stdin)) return 0;
        long this_n = atol(line + 2); /* "go N": N signals this time; plain "go": n */
        if (this_n > 0) n = this_n, every = flaps > 0 ? n / (flaps + 1) : 0;
        dbus_bool_t up = 1, down = 0;
        if (round > 0) send_change(c, path, "Connected", DBUS_TYPE_BOOLEAN, "b", &up);
        uint64_t start = now_ns(CLOCK_MONOTONIC), gap = rate > 0 ? 1000000000ull / (uint64_t)rate : 0;
        long sent = 0, flapped = 0;
        for (long i = 0; i < n; i++) {
            if (gap) {
                uint64_t due = start + (uint64_t)i * gap, t = now_ns(CLOCK_MONOTONIC);
                if (due > t + 200000) { /* sleep in chunks of at least 0.2 ms, then burst */
                    dbus_connection_flush(c);
                    struct timespec ts = {0, (long)(due - t)};
                    nanosleep(&ts, NULL);
                }
            }
            dbus_int16_t rssi = (dbus_int16_t)(-40 - i % 50);
            send_change(c, path, "RSSI", DBUS_TYPE_INT16, "n", &rssi);
            sent++;
            if (every && i % every == every - 1 && flapped < flaps) {
                flapped++;
                send_change(c, path, "Connected", DBUS_TYPE_BOOLEAN, "b", &down);
                send_change(c, path, "Connected", DBUS_TYPE_BOOLEAN, "b", &up);
                sent += 2;
            }
        }
        dbus_int16_t last = -33;
        send_change(c, path, "RSSI", DBUS_TYPE_INT16, "n", &last);
        send_change(c, path, "Connected", DBUS_TYPE_BOOLEAN, "b", &down);
        sent += 2 + (round > 0);
        dbus_connection_flush(c);
        printf("mode=storm n=%ld signals=%ld per_s=%.0f\n", n, sent, n / ((now_ns(CLOCK_MONOTONIC) - start) / 1e9));
        fflush(stdout);
    }
}

static DBusMessage *gmo_call(const char *dest) {
    return dbus_message_new_method_call(dest, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects");
}

static int capture(DBusConnection *c, const char *dest, const char *file) {
    DBusError err;
    dbus_error_init(&err);
    DBusMessage *m = gmo_call(dest);
    DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, 60000, &err);
    if (!r) { fprintf(stderr, "capture: %s\n", err.message); return 1; }
    dbus_message_set_serial(r, 1);
    char *buf;
    int len;
    if (!dbus_message_marshal(r, &buf, &len)) return 1;
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(buf, 1, (size_t)len, f) != (size_t)len) return 1;
    fclose(f);
    dbus_free(buf);
    printf("mode=capture bytes=%d\n", len);
    return 0;
}

static int canned(DBusConnection *c, const char *name, const char *file) {
    DBusMessage *reply = own_with_reply(c, name, file);
    if (!reply) return 1;
    printf("ready\n");
    fflush(stdout);
    while (answer_calls(c, reply, -1)) {}
    return 0;
}

static int gmo(DBusConnection *c, const char *dest, long n) {
    DBusError err;
    dbus_error_init(&err);
    uint64_t *lat = calloc((size_t)n, sizeof *lat), sum = 0;
    long values = 0;
    for (long i = 0; i < n; i++) {
        DBusMessage *m = gmo_call(dest);
        uint64_t t0 = now_ns(CLOCK_MONOTONIC);
        DBusMessage *r = dbus_connection_send_with_reply_and_block(c, m, 60000, &err);
        if (!r) { fprintf(stderr, "gmo: %s\n", err.message); return 1; }
        DBusMessageIter it;
        dbus_message_iter_init(r, &it);
        values = walk(&it, &sum);
        lat[i] = now_ns(CLOCK_MONOTONIC) - t0;
        dbus_message_unref(m);
        dbus_message_unref(r);
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
    printf("mode=gmo n=%ld values=%ld p50_ms=%.3f\n", n, values, lat[n / 2] / 1e6);
    free(lat);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: dbus-cbench serve|rtt|pipeline|emit|recv|idle [options]\n");
        return 2;
    }
    const char *mode = argv[1];
    DBusConnection *c = connect_bus(argc, argv);
    dbus_connection_set_exit_on_disconnect(c, 0);
    long n = atol(opt(argc, argv, "-n", "0"));
    if (!strcmp(mode, "serve")) return serve(c, opt(argc, argv, "--name", "org.sonyctl.Bench.C"));
    call_spec.path = opt(argc, argv, "--path", PATH);
    call_spec.iface = opt(argc, argv, "--iface", IFACE);
    call_spec.member = opt(argc, argv, "--member", "Ping");
    call_spec.s1 = opt(argc, argv, "--s1", NULL);
    call_spec.s2 = opt(argc, argv, "--s2", NULL);
    if (!strcmp(mode, "rtt")) return rtt(c, opt(argc, argv, "--dest", "org.sonyctl.Bench.C"), n ? n : 20000, atol(opt(argc, argv, "-w", "1000")));
    if (!strcmp(mode, "pipeline")) return pipeline(c, opt(argc, argv, "--dest", "org.sonyctl.Bench.C"), n ? n : 100000, atol(opt(argc, argv, "-d", "64")));
    if (!strcmp(mode, "emit")) return emit(c, n ? n : 200000);
    if (!strcmp(mode, "recv")) return recv_signals(c, n ? n : 200000);
    if (!strcmp(mode, "capture")) return capture(c, opt(argc, argv, "--dest", "org.bluez"), opt(argc, argv, "-o", "gmo.bin"));
    if (!strcmp(mode, "canned")) return canned(c, opt(argc, argv, "--name", "org.bluez"), opt(argc, argv, "--reply", "gmo.bin"));
    if (!strcmp(mode, "gmo")) return gmo(c, opt(argc, argv, "--dest", "org.bluez"), n ? n : 20);
    if (!strcmp(mode, "storm"))
        return storm(c, opt(argc, argv, "--name", "org.bluez"), opt(argc, argv, "--reply", "gmo.bin"),
                     opt(argc, argv, "--path", SIGNAL_PATH), n ? n : 30000, atol(opt(argc, argv, "--rate", "30000")),
                     atol(opt(argc, argv, "--flaps", "0")));
    if (!strcmp(mode, "idle")) return idle(c, atol(opt(argc, argv, "-s", "10")));
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
