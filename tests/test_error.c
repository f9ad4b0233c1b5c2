/* tests/test_error.c: the per-thread error indicator. */
#include "testutil.h"
#include <pthread.h>

static void set_and_read(void **state)
{
    (void)state;
    ft_error_clear();
    assert_false(ft_error_occurred());
    assert_string_equal(ft_error_message(), "");
    ft_error_set(FT_ERR_INDEX, "index %d out of range", 7);
    assert_int_equal(ft_error_kind(), FT_ERR_INDEX);
    assert_string_equal(ft_error_message(), "index 7 out of range");
    assert_string_equal(ft_error_kind_name(FT_ERR_INDEX), "IndexError");
    ft_error_clear();
    assert_int_equal(ft_error_kind(), FT_ERR_NONE);
}

static void nomem_returns_null(void **state)
{
    (void)state;
    assert_null(ft_error_nomem());
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    ft_error_clear();
}

static void fetch_restore(void **state)
{
    (void)state;
    FtErrorState saved;
    ft_error_set(FT_ERR_KEY, "missing");
    ft_error_fetch(&saved);
    assert_false(ft_error_occurred());
    ft_error_set(FT_ERR_VALUE, "other");
    ft_error_restore(&saved);
    assert_int_equal(ft_error_kind(), FT_ERR_KEY);
    assert_string_equal(ft_error_message(), "missing");
    ft_error_clear();
}

static void *other_thread(void *arg)
{
    (void)arg;
    /* A fresh thread starts with a clear indicator. */
    return (void *)(intptr_t)ft_error_occurred();
}

static void indicator_is_per_thread(void **state)
{
    (void)state;
    ft_error_set(FT_ERR_TYPE, "mine");
    pthread_t t;
    void *r;
    assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, &r);
    assert_int_equal((intptr_t)r, 0);
    assert_int_equal(ft_error_kind(), FT_ERR_TYPE);
    ft_error_clear();
}

static int oom_calls;
static void count_oom(size_t n) { (void)n; oom_calls++; }

static void oom_handler_called(void **state)
{
    (void)state;
    ft_set_oom_handler(count_oom);
    ft_debug_fail_alloc_after(1);
    assert_null(tleaf_new(1));
    assert_int_equal(ft_error_kind(), FT_ERR_MEMORY);
    assert_int_equal(oom_calls, 1);
    ft_set_oom_handler(NULL);
    ft_error_clear();
}

static void long_message_truncated(void **state)
{
    (void)state;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ft_error_set(FT_ERR_VALUE, "%s", big);
    assert_true(strlen(ft_error_message()) < sizeof big);
    ft_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_and_read),
        cmocka_unit_test(nomem_returns_null),
        cmocka_unit_test(fetch_restore),
        cmocka_unit_test(indicator_is_per_thread),
        cmocka_unit_test(oom_handler_called),
        cmocka_unit_test(long_message_truncated),
    };
    return cmocka_run_group_tests(tests, ft_test_group_setup, ft_test_group_teardown);
}
