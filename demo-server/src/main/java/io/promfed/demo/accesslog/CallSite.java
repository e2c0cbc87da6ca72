package io.promfed.demo.accesslog;

import java.util.Optional;

/**
 * The {@code File.java:line} an access log line names, like Go's {@code log.Lshortfile}.
 *
 * <p>Go calls {@code runtime.Caller} on every log call. Walking the Java stack costs about a
 * microsecond, so each call site owns one {@code CallSite} (a final field next to the call) and
 * the walk happens only on its first use; later calls read the cached text. Sharing one instance
 * between two calls would name the first call's line for both.
 *
 * <p>Thread-safe: racing first uses compute the same text.
 */
public final class CallSite {

  private static final StackWalker WALKER = StackWalker.getInstance();

  private volatile String fileAndLine;

  /** The caller of {@link AccessLogWriter#append}, resolved on the first call. */
  String fileAndLine() {
    String resolved = fileAndLine;
    if (resolved == null) {
      resolved = WALKER.walk(frames -> frames.filter(CallSite::isCaller).findFirst()).map(CallSite::format).orElse("???:1");
      fileAndLine = resolved;
    }
    return resolved;
  }

  private static boolean isCaller(StackWalker.StackFrame frame) {
    String className = frame.getClassName();
    return !className.equals(CallSite.class.getName())
        && !className.equals(AccessLogWriter.class.getName());
  }

  // Go prints "???:1" when the caller is unknown; a frame without a file name is the Java analogue.
  private static String format(StackWalker.StackFrame frame) {
    return Optional.ofNullable(frame.getFileName()).orElse("???") + ":" + frame.getLineNumber();
  }
}
