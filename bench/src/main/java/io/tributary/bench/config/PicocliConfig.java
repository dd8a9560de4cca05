package io.tributary.bench.config;

import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import io.tributary.bench.BenchCommand;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import picocli.CommandLine;

/** The command line Quarkus runs, with the same parser settings as {@link BenchCommand#configure}. */
@ApplicationScoped
public class PicocliConfig {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return BenchCommand.configure(factory.create());
    }
}
