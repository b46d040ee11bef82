It is n't here .
The cat sat .
A dog ran .
