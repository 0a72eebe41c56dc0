package io.clipstream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the NAB experiment lands; listed so --help shows the full command set. */
@Command(name = "nab", mixinStandardHelpOptions = true, hidden = true, description = "NAB experiment")
final class NabCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new Main.UserException("nab: not available in this build");
    }
}
