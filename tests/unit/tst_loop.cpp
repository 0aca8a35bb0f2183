// The supervision loop on its own: timers fire in deadline order from one
// timerfd, handlers may re-arm and free timers and sources (their own
// included), a source freed while its event is pending in the same batch
// is not called, and the reference count keeps the loop alive for its
// users.
#include <QtTest>

#include <algorithm>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

extern "C" {
#include "loop_internal.h"
}

class TestLoop : public QObject
{
    Q_OBJECT

private slots:
    void timersFireInOrder();
    void timerHandlersMayFreeAndRearm();
    void timeoutReflectsTheEarliestDeadline();
    void sourceFreedDuringDispatchIsSkipped();
    void dispatchIsNotReentrant();
    void referenceCounting();

private:
    static void dispatchUntil(qfs_loop *loop, const std::function<bool()> &done, int ms = 2000)
    {
        QElapsedTimer t;
        t.start();
        while (!done() && t.elapsed() < ms) {
            int wait = qfs_loop_get_timeout(loop);
            pollfd p { qfs_loop_get_fd(loop), POLLIN, 0 };
            poll(&p, 1, wait < 0 || wait > 50 ? 50 : wait);
            QVERIFY(qfs_loop_dispatch(loop) >= 0);
        }
    }
};

struct Fired
{
    std::vector<int> order;
};

struct TimerCtx
{
    Fired *fired;
    int id;
};

void TestLoop::timersFireInOrder()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Fired fired;
    constexpr int n = 64;
    std::vector<TimerCtx> ctx(n);
    std::vector<loop_timer *> timers(n);
    std::vector<int> offsets(n);
    for (int i = 0; i < n; ++i)
        offsets[i] = (i * 37) % n; // a permutation of 0..63
    const uint64_t now = loop_now_usec();
    for (int i = 0; i < n; ++i) {
        ctx[i] = { &fired, offsets[i] };
        QCOMPARE(loop_timer_new(
                     loop,
                     [](loop_timer *, void *ud) {
                         auto *c = static_cast<TimerCtx *>(ud);
                         c->fired->order.push_back(c->id);
                     },
                     &ctx[i], &timers[i]),
            0);
        QCOMPARE(loop_timer_arm(timers[i], now + 2000 + uint64_t(offsets[i]) * 300), 0);
    }
    dispatchUntil(loop, [&] { return fired.order.size() == size_t(n); });
    std::vector<int> expected(n);
    for (int i = 0; i < n; ++i)
        expected[i] = i;
    QCOMPARE(fired.order, expected);
    for (loop_timer *t : timers)
        QVERIFY(!loop_timer_armed(t));
    for (loop_timer *t : timers)
        loop_timer_free(t);
    qfs_loop_free(loop);
}

struct Chain
{
    loop_timer *self = nullptr;
    loop_timer *victim = nullptr;
    int rearms = 0;
    int fired = 0;
    int victimFired = 0;
};

void TestLoop::timerHandlersMayFreeAndRearm()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    Chain c;
    QCOMPARE(loop_timer_new(
                 loop,
                 [](loop_timer *t, void *ud) {
                     auto *ch = static_cast<Chain *>(ud);
                     ch->fired++;
                     // Free another armed timer, then re-arm ourselves
                     // twice before freeing ourselves.
                     ch->victim = loop_timer_free(ch->victim);
                     if (ch->rearms++ < 2)
                         loop_timer_arm(t, loop_now_usec() + 1000);
                     else
                         ch->self = loop_timer_free(t);
                 },
                 &c, &c.self),
        0);
    QCOMPARE(loop_timer_new(
                 loop, [](loop_timer *, void *ud) { static_cast<Chain *>(ud)->victimFired++; }, &c,
                 &c.victim),
        0);
    const uint64_t now = loop_now_usec();
    loop_timer_arm(c.self, now + 1000);
    loop_timer_arm(c.victim, now + 5000);
    dispatchUntil(loop, [&] { return c.self == nullptr; });
    QCOMPARE(c.fired, 3);
    QCOMPARE(c.victimFired, 0);
    QCOMPARE(qfs_loop_get_timeout(loop), -1);
    qfs_loop_free(loop);
}

void TestLoop::timeoutReflectsTheEarliestDeadline()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    QCOMPARE(qfs_loop_get_timeout(loop), -1);
    loop_timer *a = nullptr, *b = nullptr;
    auto nop = [](loop_timer *, void *) {};
    QCOMPARE(loop_timer_new(loop, nop, nullptr, &a), 0);
    QCOMPARE(loop_timer_new(loop, nop, nullptr, &b), 0);
    loop_timer_arm(a, loop_now_usec() + 5000000);
    loop_timer_arm(b, loop_now_usec() + 200000);
    int t = qfs_loop_get_timeout(loop);
    QVERIFY2(t > 100 && t <= 200, qPrintable(QString::number(t)));
    loop_timer_disarm(b);
    t = qfs_loop_get_timeout(loop);
    QVERIFY2(t > 4800 && t <= 5000, qPrintable(QString::number(t)));
    loop_timer_arm(a, loop_now_usec()); // already due
    QCOMPARE(qfs_loop_get_timeout(loop), 0);
    loop_timer_free(a);
    loop_timer_free(b);
    qfs_loop_free(loop);
}

struct Pair
{
    loop_source *src[2] = { nullptr, nullptr };
    int calls = 0;
};

void TestLoop::sourceFreedDuringDispatchIsSkipped()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    int p1[2], p2[2];
    QCOMPARE(pipe2(p1, O_CLOEXEC), 0);
    QCOMPARE(pipe2(p2, O_CLOEXEC), 0);
    Pair pair;
    // Whichever handler runs first frees both sources: the other's event,
    // already fetched in the same batch, must not reach its handler.
    auto fn = [](loop_source *, uint32_t, void *ud) {
        auto *p = static_cast<Pair *>(ud);
        p->calls++;
        p->src[0] = loop_source_free(p->src[0]);
        p->src[1] = loop_source_free(p->src[1]);
    };
    QCOMPARE(loop_source_new(loop, p1[0], EPOLLIN, fn, &pair, &pair.src[0]), 0);
    QCOMPARE(loop_source_new(loop, p2[0], EPOLLIN, fn, &pair, &pair.src[1]), 0);
    QCOMPARE(write(p1[1], "x", 1), 1);
    QCOMPARE(write(p2[1], "x", 1), 1);
    QCOMPARE(qfs_loop_dispatch(loop), 1);
    QCOMPARE(pair.calls, 1);
    QCOMPARE(qfs_loop_dispatch(loop), 0);
    for (int fd : { p1[0], p1[1], p2[0], p2[1] })
        close(fd);
    qfs_loop_free(loop);
}

void TestLoop::dispatchIsNotReentrant()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    loop_timer *t = nullptr;
    struct Ctx
    {
        qfs_loop *loop;
        int inner = 1;
    } ctx { loop };
    QCOMPARE(loop_timer_new(
                 loop,
                 [](loop_timer *, void *ud) {
                     auto *c = static_cast<Ctx *>(ud);
                     c->inner = qfs_loop_dispatch(c->loop);
                 },
                 &ctx, &t),
        0);
    loop_timer_arm(t, loop_now_usec());
    QCOMPARE(qfs_loop_dispatch(loop), 1);
    QCOMPARE(ctx.inner, -EBUSY);
    loop_timer_free(t);
    qfs_loop_free(loop);
}

void TestLoop::referenceCounting()
{
    qfs_loop *loop = nullptr;
    QCOMPARE(qfs_loop_new(&loop), 0);
    const int fd = qfs_loop_get_fd(loop);
    loop_ref(loop); // a sandbox's reference
    QCOMPARE(qfs_loop_free(loop), nullptr);
    QVERIFY(fcntl(fd, F_GETFD) >= 0); // still alive for its user
    QCOMPARE(qfs_loop_run_for(loop, 10), 0); // nothing running: returns at once
    loop_unref(loop);
    QVERIFY(fcntl(fd, F_GETFD) < 0); // gone with the last reference
    QCOMPARE(qfs_loop_free(nullptr), nullptr);
}

QTEST_GUILESS_MAIN(TestLoop)
#include "tst_loop.moc"
