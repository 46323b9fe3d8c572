/**
 * The HTTP contract suite: black-box tests against the real server started in the test JVM
 * on an ephemeral port of 127.0.0.1 ({@link io.uringhttpd.testing.TestServer}), talking over
 * real sockets. No mocks.
 *
 * <p>Each {@code XxxContract} is abstract and engine-neutral; {@code EpollXxxTest} runs it on the
 * epoll reactor. A second engine runs the same suites unchanged by adding, per contract,
 * <pre>
 * class IoUringXxxTest extends XxxContract {
 *     protected String engine() { return "io_uring"; }
 *     protected void assumeEngineAvailable() { assumeTrue(kernel supports it, "why not"); }
 * }
 * </pre>
 *
 * <p>{@link io.uringhttpd.contract.RawHttp} sends exact bytes (malformed input, pipelining) and
 * frames responses strictly; RestAssured covers what an ordinary client sees.
 * {@link io.uringhttpd.contract.Fixtures} builds the document root (known random content, a sparse
 * 5 GiB file, symlinks, dotfiles, decoys above the root). The traversal payload lists are read
 * from {@code shared/testdata/traversal} above the working directory (or
 * {@code -Duringhttpd.traversal.dir=…}); without them that test is skipped.
 *
 * <p>Run: {@code ./mvnw -q test -Dtest='io.uringhttpd.contract.*Test'}.
 */
package io.uringhttpd.contract;
