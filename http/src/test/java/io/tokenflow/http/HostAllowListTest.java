package io.tokenflow.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostAllowListTest {

    @Test
    void matchesTheExactHostIgnoringCase() {
        HostAllowList hosts = HostAllowList.of("API.example.com");

        assertThat(hosts.allows("api.example.com")).isTrue();
        assertThat(hosts.allows("Api.Example.Com")).isTrue();
    }

    @Test
    void doesNotMatchSubdomainsParentsOrLookalikes() {
        HostAllowList hosts = HostAllowList.of("api.example.com");

        assertThat(hosts.allows("eu.api.example.com")).isFalse();
        assertThat(hosts.allows("example.com")).isFalse();
        assertThat(hosts.allows("api.example.com.evil.net")).isFalse();
        assertThat(hosts.allows("xapi.example.com")).isFalse();
    }

    @Test
    void ignoresOneTrailingDotOnEitherSide() {
        assertThat(HostAllowList.of("api.example.com.").allows("api.example.com")).isTrue();
        assertThat(HostAllowList.of("api.example.com").allows("api.example.com.")).isTrue();
    }

    @Test
    void matchesIpv6LiteralsWithOrWithoutBrackets() {
        assertThat(HostAllowList.of("[::1]").allows("::1")).isTrue();
        assertThat(HostAllowList.of("::1").allows("[::1]")).isTrue();
    }

    @Test
    void aRequestWithoutHostIsNeverAllowedByAList() {
        assertThat(HostAllowList.of("api.example.com").allows(null)).isFalse();
        assertThat(HostAllowList.of("api.example.com").allows("")).isFalse();
    }

    @Test
    void anyAllowsEveryHostIncludingNone() {
        assertThat(HostAllowList.any().allows("anything.example")).isTrue();
        assertThat(HostAllowList.any().allows(null)).isTrue();
    }

    @Test
    void noHostsAtAllIsRejectedPointingAtAnyHost() {
        assertThatThrownBy(HostAllowList::of)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("anyHost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "api.example.com:443", "[::1]:8443", "https://api.example.com",
            "api.example.com/v1", "user@api.example.com", "*.example.com", "*", "api example.com"})
    void aHostThatIsNotJustAHostIsRejected(String host) {
        assertThatThrownBy(() -> HostAllowList.of("ok.example.com", host))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNullHostIsRejected() {
        assertThatThrownBy(() -> HostAllowList.of("ok.example.com", null)).isInstanceOf(NullPointerException.class);
    }
}
