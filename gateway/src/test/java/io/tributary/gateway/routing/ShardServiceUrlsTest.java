package io.tributary.gateway.routing;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardServiceUrlsTest {

    @Test
    void movesOnToTheNextInstanceOnlyWhenTheCurrentOneRefusesConnections() {
        ShardServiceUrls urls = new ShardServiceUrls(" http://a:8082/ , http://b:8082,http://c:8082 ");
        assertEquals(3, urls.count());
        assertEquals("http://a:8082", urls.current());
        // A report about an instance that is no longer the current one changes nothing.
        urls.unreachable("http://b:8082");
        assertEquals("http://a:8082", urls.current());
        urls.unreachable("http://a:8082");
        assertEquals("http://b:8082", urls.current());
        urls.unreachable("http://b:8082");
        urls.unreachable("http://c:8082");
        assertEquals("http://a:8082", urls.current(), "after the last comes the first again");
    }

    @Test
    void oneInstanceStaysTheTarget() {
        ShardServiceUrls urls = new ShardServiceUrls("http://only:8082");
        urls.unreachable("http://only:8082");
        assertEquals("http://only:8082", urls.current());
        assertThrows(IllegalArgumentException.class, () -> new ShardServiceUrls(" , "));
    }

    @Test
    void onlyAConnectionThatWasNeverMadeCountsAsUnreachable() {
        assertTrue(ShardServiceUrls.notConnected(new RuntimeException(new ConnectException("Connection refused"))));
        assertFalse(ShardServiceUrls.notConnected(new IllegalStateException("Connection was closed")));
    }
}
