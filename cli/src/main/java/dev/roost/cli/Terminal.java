package dev.roost.cli;

import java.io.Console;

/** The user's terminal, for questions and passwords. Absent when the CLI runs in a pipe or a script. */
public interface Terminal {
    /** Asks a question and returns the answer, or null at end of input. */
    String readLine(String prompt);

    /** Asks for a secret without echoing it; null at end of input. */
    char[] readPassword(String prompt);

    /** The process's console when stdin and stdout are a terminal, else null. */
    static Terminal system() {
        Console console = System.console();
        if (console == null || !isTerminal(console)) {
            return null;
        }
        return new Terminal() {
            @Override
            public String readLine(String prompt) {
                return console.readLine("%s", prompt);
            }

            @Override
            public char[] readPassword(String prompt) {
                return console.readPassword("%s", prompt);
            }
        };
    }

    /**
     * From JDK 22 on, {@code System.console()} returns a console even when input or output is
     * redirected; {@code Console.isTerminal()} (JDK 22+) tells the two apart. On JDK 21 a
     * non-null console already means a terminal.
     */
    private static boolean isTerminal(Console console) {
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
