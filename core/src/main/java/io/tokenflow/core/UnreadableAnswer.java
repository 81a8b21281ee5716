package io.tokenflow.core;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpClientCodec;
import reactor.netty.NettyPipeline;

/**
 * Replaces the cause of an HTTP decoding failure with one that does not quote the answer.
 *
 * <p>Netty's decoder quotes what it could not read ({@code invalid version format: ...}, upper-cased),
 * and Reactor Netty logs that exception at WARN ({@code HttpClientConnect}: "The connection
 * observed an error") before tokenflow sees it. A server that echoes the request where a status
 * line belongs (a form body has no space, so it is one "version" token) would put the client
 * secret or the refresh token into the application's logs. Sits right after the HTTP codec, so
 * that every later handler, Reactor Netty's logging included, sees the sanitized cause.
 */
@ChannelHandler.Sharable
final class UnreadableAnswer extends ChannelInboundHandlerAdapter {

    static final String NAME = "tokenflow.unreadableAnswer";
    private static final UnreadableAnswer INSTANCE = new UnreadableAnswer();

    /**
     * Adds the handler after the codec that turns bytes into HTTP objects, once: the HTTP/1.1 codec
     * (also when ALPN put it in place), or, on an HTTP/2 stream, the frame-to-HTTP/1.1 converter.
     * The HTTP/2 connection's own frame codec, which makes no HTTP objects, is left alone.
     */
    static void guard(ChannelPipeline pipeline) {
        if (pipeline.get(NAME) != null) {
            return;
        }
        if (pipeline.get(NettyPipeline.H2ToHttp11Codec) != null) {
            pipeline.addAfter(NettyPipeline.H2ToHttp11Codec, NAME, INSTANCE);
        } else if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpClientCodec) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, INSTANCE);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()
                && !(decoded.decoderResult().cause() instanceof UnreadableAnswerException)) {
            decoded.setDecoderResult(DecoderResult.failure(new UnreadableAnswerException(decoded.decoderResult().cause())));
        }
        ctx.fireChannelRead(msg);
    }

    /** An answer that is not HTTP; the decoder's own message is withheld (it may quote the request). */
    static final class UnreadableAnswerException extends DecoderException {
        private static final long serialVersionUID = 1L;

        UnreadableAnswerException(Throwable decoderFailure) {
            super("the answer is not valid HTTP (" + decoderFailure.getClass().getSimpleName()
                    + " in the HTTP decoder; its text is withheld because it may quote the request)");
        }
    }
}
