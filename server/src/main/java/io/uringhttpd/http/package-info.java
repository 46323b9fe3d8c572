/**
 * HTTP/1.1 semantics, pure: bytes in, facts and bytes out. No syscalls, no engine types, nothing
 * allocated per request.
 *
 * <h2>Memory contract</h2>
 * Input and output live in native memory and are passed as raw {@code (address, length)} pairs,
 * the shape the engines already hold. Reads go through one {@code static final} segment spanning
 * the address space ({@code Mem}), which C2 folds to plain loads; measured on this project's
 * build machine it reads as fast as a bounds-checked segment or a {@code byte[]} (~0.35 ns/byte),
 * without a per-call slice. Callers must pass only bytes they own.
 *
 * <h2>Per request</h2>
 * <ol>
 * <li>{@link io.uringhttpd.http.RequestParser#parse} (resumable; {@link io.uringhttpd.http.ParseState}
 *     per connection) fills a {@link io.uringhttpd.http.Request}, or returns a negative status
 *     after which the connection is closed.</li>
 * <li>A body, if any ({@link io.uringhttpd.http.Request#hasBody()}), goes through
 *     {@link io.uringhttpd.http.BodyDiscarder} before the next request is parsed.</li>
 * <li>The handler evaluates {@link io.uringhttpd.http.Conditionals} in RFC 9110 §13.2.2 order and
 *     {@link io.uringhttpd.http.ByteRanges}, then writes the head with
 *     {@link io.uringhttpd.http.HeadWriter} ({@link io.uringhttpd.http.DateCache},
 *     {@link io.uringhttpd.http.Status}, {@link io.uringhttpd.http.ErrorPages}).</li>
 * </ol>
 * All classes are single-threaded: one instance per event loop (or per connection for the
 * resumable states).
 */
package io.uringhttpd.http;
