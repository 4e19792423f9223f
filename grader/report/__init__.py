"""What people read: the HTML feedback page, the terminal summary, other tools' formats
and the languages they are told in."""
