"""The parent's side of a grading run: it stages the folders, starts a judge and a
candidate's process from warm fork servers, cages and watches them, and reads the results."""
