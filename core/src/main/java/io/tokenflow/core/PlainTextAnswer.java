package io.tokenflow.core;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.NotSslRecordException;
import javax.net.ssl.SSLException;
import reactor.netty.NettyPipeline;

/**
 * Replaces the failure of a TLS handshake that met plain text ({@code https://} to a plain-HTTP
 * port) with one line, once per connection.
 *
 * <p>Netty's {@code NotSslRecordException} quotes the server's whole reply as a hex dump, and
 * reaches Reactor Netty twice (the failed handshake, then the decoder's wrapper), which logs each
 * at WARN with its stack trace ({@code HttpClientConnect}: "The connection observed an error").
 * Sits right after the TLS handlers, so that what follows, Reactor Netty's logging included, sees
 * one {@link NotTlsException} without a stack trace and without the server's bytes.
 */
final class PlainTextAnswer extends ChannelInboundHandlerAdapter {

    static final String NAME = "tokenflow.plainTextAnswer";

    // Event-loop confined, like the channel.
    private boolean reported;

    /** Adds the handler after the TLS handlers of a connection that has them; once. */
    static void guard(ChannelPipeline pipeline) {
        String after = pipeline.get(NettyPipeline.SslReader) != null ? NettyPipeline.SslReader
                : pipeline.get(NettyPipeline.SslHandler) != null ? NettyPipeline.SslHandler : null;
        if (after != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(after, NAME, new PlainTextAnswer());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!isPlainText(cause)) {
            ctx.fireExceptionCaught(cause);
        } else if (!reported) {
            reported = true;
            ctx.fireExceptionCaught(new NotTlsException());
        }
        // Else the same failure again, wrapped by the decoder: told once already.
    }

    private static boolean isPlainText(Throwable cause) {
        return cause instanceof NotSslRecordException || cause.getCause() instanceof NotSslRecordException;
    }

    /** {@code https://} met a server that answered in plain text. No stack trace: it is a diagnosis, not a bug. */
    static final class NotTlsException extends SSLException {
        private static final long serialVersionUID = 1L;

        NotTlsException() {
            super("the server answered the TLS handshake in plain text, not TLS (https:// to a plain-HTTP port?)");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
