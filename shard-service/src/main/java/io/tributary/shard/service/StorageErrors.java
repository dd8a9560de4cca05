package io.tributary.shard.service;

import io.tributary.shard.LogException;
import org.jboss.logging.Logger;

/** Turns unexpected failures of storage into the log's typed error, logging the cause once. */
final class StorageErrors {

    private static final Logger LOG = Logger.getLogger(StorageErrors.class);

    private StorageErrors() {
    }

    static LogException asLogException(Throwable t) {
        if (t instanceof LogException le) {
            return le;
        }
        if (isLeaseFenced(t)) {
            return new LogException(LogException.Reason.NOT_OWNER, "this instance no longer holds the shard's write lease"
                    + " (another instance took it over, or the shard was resharded); nothing was stored: send the batch again"
                    + " to the shard's owner");
        }
        LOG.warnf(t, "storage operation failed");
        return new LogException(LogException.Reason.STORAGE_FAILURE, "storage failed: " + t.getMessage());
    }

    /** Whether a failure is the append fence refusing a writer whose shard lease moved on (SQLSTATE TRB01). */
    static boolean isLeaseFenced(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof io.vertx.pgclient.PgException pg && "TRB01".equals(pg.getSqlState())
                    || c instanceof java.sql.SQLException sql && "TRB01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Whether a failure is (caused by) a violated unique constraint: a row that another request created first. */
    static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof org.hibernate.exception.ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }
}
