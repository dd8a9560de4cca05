package io.tributary.gateway.service;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TenantQuotasTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void allowsABurstOfOneSecondThenTheRate() {
        TenantQuotas quotas = new TenantQuotas(10, 0, now::get);
        for (int i = 0; i < 10; i++) {
            assertTrue(quotas.tryTake("a", 100), "request " + i + " of the burst");
        }
        assertFalse(quotas.tryTake("a", 100));
        assertTrue(quotas.tryTake("b", 100), "tenants have their own buckets");
        now.addAndGet(100_000_000L); // 0.1 s refills one request
        assertTrue(quotas.tryTake("a", 100));
        assertFalse(quotas.tryTake("a", 100));
    }

    @Test
    void limitsBytesAndRefusesWithoutTakingAnything() {
        TenantQuotas quotas = new TenantQuotas(0, 1000, now::get);
        assertTrue(quotas.tryTake("a", 600));
        assertFalse(quotas.tryTake("a", 600), "400 bytes left");
        assertTrue(quotas.tryTake("a", 400), "the refused request took nothing");
        now.addAndGet(2_000_000_000L);
        assertTrue(quotas.tryTake("a", 5000), "a request larger than the burst passes on a full bucket");
        assertFalse(quotas.tryTake("a", 1));
    }

    @Test
    void isOffByDefault() {
        TenantQuotas quotas = new TenantQuotas(0, 0, now::get);
        assertFalse(quotas.enabled());
        for (int i = 0; i < 10_000; i++) {
            assertTrue(quotas.tryTake("a", Long.MAX_VALUE / 2));
        }
    }
}
