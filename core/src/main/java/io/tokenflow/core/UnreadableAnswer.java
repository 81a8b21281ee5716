package io.tokenflow.core;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
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
     * Adds the handler after the codec that turns bytes into HTTP objects, once: the HTTP/1.1 codec,
     * or, on an HTTP/2 stream, the frame-to-HTTP/1.1 converter.
     */
    static void guard(ChannelPipeline pipeline) {
        String codec = pipeline.get(NettyPipeline.H2ToHttp11Codec) != null ? NettyPipeline.H2ToHttp11Codec : NettyPipeline.HttpCodec;
        if (pipeline.get(codec) != null && pipeline.get(NAME) == null) {
            pipeline.addAfter(codec, NAME, INSTANCE);
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
